import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { parseOpponents } from "../coplayers.js";
import { loadScenario } from "../env.js";
import { lockFolder } from "../run-folder.js";

/**
 * A sweep's plan: every trial (scenario × point × seed) decided up front and written to
 * `plan.json`, so that any executor — the local pool or workers behind a queue — runs the
 * same trials with the same seeds, and a rerun can tell finished trials from missing ones.
 */

export type ParamValue = number | boolean;

/** One `--vary` axis: explicit values, or a range (`lo..hi`, with `:n` for n grid points). */
export interface Axis {
  param: string;
  values?: ParamValue[];
  range?: { lo: number; hi: number; points?: number };
}

/** What every trial passes to the trainer (the usual `agora train` settings). */
export interface TrainSettings {
  steps?: number;
  envs?: number;
  rollout?: number;
  lr?: number;
  entropy?: number;
  hidden?: number[];
  opponents: string[];
  backend: string;
  /** Fixed `--set` overrides applied to every trial (a `--vary` wins over them). */
  set: Record<string, ParamValue>;
}

export interface PlannedScenario {
  /** The path given on the command line (for display), its `game` name and its full text. */
  path: string;
  name: string;
  source: string;
}

export interface Trial {
  /** Stable, sortable id; also the run folder's name under `runs/`. */
  id: string;
  scenario: number;
  point: Record<string, ParamValue>;
  seed: number;
  /** With co-players as an axis (`--coplayers`): this trial's population (else the plan's `train.opponents`). */
  coplayers?: string[];
}

export interface SweepPlan {
  format: "agora-sweep/1";
  scenarios: PlannedScenario[];
  axes: Axis[];
  /** How points were chosen: the grid of the axes, or quasi-random (Halton) samples of their ranges. */
  design: { kind: "grid" } | { kind: "samples"; count: number };
  seeds: number[];
  train: TrainSettings;
  /** Evaluation of every trial: episodes and the seed of the evaluation's own random stream. */
  evaluation: { episodes: number; seed: number };
  trials: Trial[];
}

export class PlanError extends Error {}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function parseScalar(raw: string, spec: string): ParamValue {
  if (raw === "true" || raw === "false") return raw === "true";
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(n))
    throw new PlanError(`--vary ${spec}: \`${raw}\` is not a number, true or false`);
  return n;
}

/** Parses `T=3..7:9` (9 evenly spaced values), `T=3..7` (a range, for `--samples`) or `n=2,4,8`. */
export function parseAxis(spec: string): Axis {
  const eq = spec.indexOf("=");
  const param = spec.slice(0, eq).trim();
  if (eq < 0 || !NAME.test(param))
    throw new PlanError(`--vary ${spec}: expected name=lo..hi:count or name=a,b,c, such as --vary temptation=3..7:9`);
  const body = spec.slice(eq + 1).trim();
  const range = /^(-?[0-9.eE+-]+)\.\.(-?[0-9.eE+-]+?)(?::([0-9]+))?$/.exec(body);
  if (range) {
    const lo = Number(range[1]);
    const hi = Number(range[2]);
    if (!Number.isFinite(lo) || !Number.isFinite(hi) || hi < lo)
      throw new PlanError(`--vary ${spec}: the range must be lo..hi with lo <= hi`);
    const points = range[3] === undefined ? undefined : Number(range[3]);
    if (points !== undefined && points < 1)
      throw new PlanError(`--vary ${spec}: the count after \`:\` must be at least 1`);
    return { param, range: { lo, hi, points } };
  }
  const values = body.split(",").map((v) => parseScalar(v.trim(), spec));
  if (values.length === 0) throw new PlanError(`--vary ${spec}: no values`);
  return { param, values };
}

/** The grid values of an axis; a range without a count has none (it is for sampling). */
export function axisValues(axis: Axis): ParamValue[] | undefined {
  if (axis.values) return axis.values;
  const { lo, hi, points } = axis.range!;
  if (points === undefined) return undefined;
  if (points === 1 || lo === hi) return [lo];
  // Rounded to 12 significant digits so that 3..7:9 gives 3.5, not 3.4999999999999996.
  return Array.from({ length: points }, (_, k) => Number((lo + ((hi - lo) * k) / (points - 1)).toPrecision(12)));
}

/** The k-th element (k >= 1) of the van der Corput sequence in `base`: Halton's coordinates. */
function radicalInverse(k: number, base: number): number {
  let result = 0;
  let f = 1 / base;
  while (k > 0) {
    result += f * (k % base);
    k = Math.floor(k / base);
    f /= base;
  }
  return result;
}

const PRIMES = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37];

/** Every point of the sweep, in a fixed order (the last axis fastest). */
export function planPoints(
  axes: Axis[],
  samples: number | undefined,
  intParams: ReadonlySet<string>,
): Record<string, ParamValue>[] {
  if (samples !== undefined) {
    const ranged = axes.filter((a) => a.range);
    if (ranged.length === 0)
      throw new PlanError("--samples needs at least one ranged --vary, such as --vary temptation=3..7");
    if (ranged.length > PRIMES.length) throw new PlanError(`--samples supports at most ${PRIMES.length} ranged axes`);
    const gridAxes = axes.filter((a) => !a.range);
    const base = gridProduct(gridAxes);
    const out: Record<string, ParamValue>[] = [];
    for (const fixed of base) {
      for (let k = 1; k <= samples; k++) {
        const point = { ...fixed };
        ranged.forEach((a, d) => {
          const { lo, hi } = a.range!;
          const u = radicalInverse(k, PRIMES[d]);
          const x = lo + (hi - lo) * u;
          point[a.param] = intParams.has(a.param)
            ? Math.min(hi, Math.floor(lo + (hi - lo + 1) * u))
            : Number(x.toPrecision(12));
        });
        out.push(point);
      }
    }
    return out;
  }
  for (const a of axes)
    if (!axisValues(a))
      throw new PlanError(
        `--vary ${a.param}=${a.range!.lo}..${a.range!.hi} needs a count (such as :9) unless --samples is given`,
      );
  return gridProduct(axes);
}

function gridProduct(axes: Axis[]): Record<string, ParamValue>[] {
  let points: Record<string, ParamValue>[] = [{}];
  for (const axis of axes) {
    const values = axisValues(axis)!;
    points = points.flatMap((p) => values.map((v) => ({ ...p, [axis.param]: v })));
  }
  return points;
}

export interface PlanRequest {
  scenarios: { path: string; source: string }[];
  axes: Axis[];
  samples?: number;
  seeds: number;
  firstSeed: number;
  train: TrainSettings;
  /** Co-player settings as an axis: each a population (`self`, `pool`, bots, checkpoints). */
  coplayers?: string[][];
  evaluation: { episodes: number; seed: number };
}

/**
 * Checks every scenario at its defaults and at every point (a bad param name or value is one clear line), then lists
 * the trials.
 */
export function makePlan(request: PlanRequest): SweepPlan {
  const scenarios: PlannedScenario[] = [];
  const trials: Trial[] = [];
  const seeds = Array.from({ length: request.seeds }, (_, k) => request.firstSeed + k);
  if (request.coplayers && request.train.opponents.length > 0)
    throw new PlanError("--coplayers makes the co-players an axis; --opponent fixes them: give one or the other");
  const axisNames = new Set<string>();
  for (const a of request.axes) {
    if (axisNames.has(a.param)) throw new PlanError(`--vary ${a.param} is given twice`);
    axisNames.add(a.param);
  }
  request.scenarios.forEach((file, s) => {
    const base = loadScenarioOrThrow(file.source, file.path, new Map(Object.entries(request.train.set)));
    const params = new Map(base.ir.params.map((p) => [p.name, p]));
    for (const a of request.axes) {
      const p = params.get(a.param);
      if (!p)
        throw new PlanError(
          `--vary ${a.param}: ${file.path} has no param \`${a.param}\` (it has ${[...params.keys()].join(", ") || "none"})`,
        );
    }
    const ints = new Set(base.ir.params.filter((p) => p.t === "int").map((p) => p.name));
    scenarios.push({ path: file.path, name: base.ir.name, source: file.source });
    const points = planPoints(request.axes, request.samples, ints);
    // Every co-player entry must name something this scenario has (a bot, `self`, `pool`, a checkpoint).
    for (const population of request.coplayers ?? [request.train.opponents]) {
      const flag = request.coplayers ? `--coplayers ${population.join(",")}` : "--opponent";
      if (request.coplayers && population.some((e) => e === ""))
        throw new PlanError(`${flag}: an empty entry (write populations such as self,pool)`);
      try {
        parseOpponents(population, base.ir);
      } catch (error) {
        throw new PlanError(`${flag}: ${file.path}: ${(error as Error).message}`);
      }
    }
    for (const point of points) {
      // Fails here, before anything runs, if a value is out of range or of the wrong type.
      loadScenarioOrThrow(
        file.source,
        file.path,
        new Map([...Object.entries(request.train.set), ...Object.entries(point)]),
      );
      for (const coplayers of request.coplayers ?? [undefined])
        for (const seed of seeds)
          trials.push({ id: "", scenario: s, point, seed, ...(coplayers ? { coplayers } : {}) });
    }
  });
  const width = String(Math.max(0, trials.length - 1)).length;
  trials.forEach((t, k) => (t.id = `t${String(k).padStart(Math.max(4, width), "0")}`));
  return {
    format: "agora-sweep/1",
    scenarios,
    axes: request.axes,
    design: request.samples === undefined ? { kind: "grid" } : { kind: "samples", count: request.samples },
    seeds,
    train: request.train,
    evaluation: request.evaluation,
    trials,
  };
}

function loadScenarioOrThrow(source: string, path: string, overrides: Map<string, ParamValue>) {
  try {
    return loadScenario(source, { name: path, overrides });
  } catch (error) {
    throw new PlanError(`${path}: ${(error as Error).message.split("\n")[0]}`);
  }
}

/** A short fingerprint of what the trials compute: two plans with the same one may share a folder. */
export function planFingerprint(plan: SweepPlan): string {
  const { scenarios, trials, train, evaluation } = plan;
  return createHash("sha256")
    .update(JSON.stringify({ scenarios: scenarios.map((s) => s.source), trials, train, evaluation }))
    .digest("hex")
    .slice(0, 16);
}

/** Writes a file so that readers see the old or the new text, never half of it. */
export function writeAtomically(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/**
 * Writes `plan.json` in a new sweep folder, or checks that the folder's plan is the same
 * sweep (a rerun resumes it); a different sweep in the same folder is refused.
 */
export function writeOrCheckPlan(dir: string, plan: SweepPlan): "new" | "resumed" {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, "plan.json");
  if (existsSync(path)) {
    const old = JSON.parse(readFileSync(path, "utf8")) as SweepPlan;
    if (planFingerprint(old) !== planFingerprint(plan))
      throw new PlanError(
        `${dir} holds a different sweep (its plan.json differs from this command's); choose another --out, or delete it`,
      );
    return "resumed";
  }
  writeAtomically(path, JSON.stringify(plan, null, 1) + "\n");
  return "new";
}

/** The coordinator's lock file in a sweep folder. */
export const COORDINATOR_LOCK = "coordinator.lock";

/**
 * One coordinator per sweep folder, for its lifetime (the run folder's lock, generalised):
 * a second one would run the same trials and interleave `results.jsonl`. A lock whose
 * process is gone is taken over with a warning. Workers never take it. Throws
 * `RunFolderError` (one line naming the folder and the pid) while another coordinator holds it.
 */
export function lockSweepFolder(dir: string, warn?: (s: string) => void): { release: () => void } {
  return lockFolder(dir, { file: COORDINATOR_LOCK, holder: "sweep coordinator", folder: "sweep folder" }, warn);
}

export function readPlan(dir: string): SweepPlan {
  const path = join(dir, "plan.json");
  if (!existsSync(path)) throw new PlanError(`${dir} is not a sweep folder (no plan.json)`);
  return JSON.parse(readFileSync(path, "utf8")) as SweepPlan;
}

/** Where a scenario's text is written for the trainer, inside a folder the executor owns. */
export function scenarioFileName(plan: SweepPlan, index: number): string {
  return `${index}-${basename(plan.scenarios[index].path).replace(/[^A-Za-z0-9_.-]/g, "_")}`;
}
