import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileToIR } from "../compiler/compile.js";
import type { IRGame } from "../compiler/ir.js";
import { createJsKernel } from "../compiler/js-backend.js";
import { generatePythonModule, pyString } from "../compiler/python-backend.js";
import { buildSchema, type StepResult, type VecEnv } from "../compiler/vecenv.js";
import { main } from "../cli/main.js";
import { exampleFiles, prng, repoRoot } from "./support/sources.js";
import { EXPECTED, TWO_PHASES } from "./support/metric-scope.js";
import { ADVERSARIAL, EXTRA } from "./support/stress.js";

/**
 * The generated NumPy module (`--target python`) against the JS kernel, which agrees bit
 * for bit with the reference interpreter (test/compiler.test.ts). Python comes from the
 * machine: `python3` with NumPy (CI installs Debian's python3-numpy in .ci/run); the tests
 * fail, not skip, without it.
 */

/**
 * The first Python that has NumPy: `AGORA_PYTHON`, then `python3` on the PATH, then Debian's
 * (`.ci/run` installs python3-numpy there when the PATH's python3 has no NumPy).
 */
function pythonWithNumpy(): string {
  const candidates = process.env.AGORA_PYTHON ? [process.env.AGORA_PYTHON] : ["python3", "/usr/bin/python3"];
  for (const candidate of candidates) {
    const run = spawnSync(candidate, ["-c", "import numpy"], { encoding: "utf8" });
    if (!run.error && run.status === 0) return candidate;
  }
  return candidates[0];
}

const PYTHON = pythonWithNumpy();
const support = join(repoRoot, "test", "support", "python");

function ir(source: string): IRGame {
  const { ir, document } = compileToIR(source);
  if (!ir) throw new Error(document.diagnostics.map((d) => d.message).join("\n"));
  return ir;
}

function python(args: string[], options: { cwd?: string; timeout?: number } = {}) {
  const run = spawnSync(PYTHON, args, {
    encoding: "utf8",
    cwd: options.cwd,
    timeout: options.timeout ?? 120_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  if (run.error)
    throw new Error(`cannot run ${PYTHON}: ${run.error.message} (install python3 and python3-numpy; .ci/run does)`);
  return run;
}

function requireNumpy() {
  const run = python(["-c", "import numpy; print(numpy.__version__)"]);
  if (run.status !== 0)
    throw new Error(`${PYTHON} has no NumPy: ${run.stderr.trim()} (install python3-numpy; .ci/run does)`);
}

/** The buffers of a result in a fixed order, as differential.py lists them. */
function buffers(
  r: StepResult,
): [string, ArrayLike<number> & { buffer: ArrayBufferLike; byteOffset: number; byteLength: number }][] {
  return [
    ...r.roles.flatMap((role, i): [string, Float32Array | Uint8Array][] => [
      [`roles[${i}].obs`, role.obs],
      [`roles[${i}].mask`, role.mask],
      [`roles[${i}].reward`, role.reward],
      [`roles[${i}].objective`, role.objective],
    ]),
    ["done", r.done],
    ["metrics", r.metrics],
    ["phase", r.phase],
    ["rules", r.rules ?? new Uint8Array(0)],
  ];
}

function digest(r: StepResult): string {
  const h = createHash("sha1");
  for (const [, b] of buffers(r)) h.update(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
  return h.digest("hex");
}

const STEPS = 1000;
const NUM_ENVS = 64;
const SEED = 2026;

/**
 * Runs the JS kernel on scripted random legal actions (a no-op now and then, and every third
 * step a bot's choices), calling `visit` after reset (t = -1) and after every step.
 */
function script(
  game: IRGame,
  env: VecEnv,
  steps: number,
  visit: (
    t: number,
    r: StepResult,
    actions?: Int32Array[],
    bot?: { index: number; chosen: Int32Array },
  ) => boolean | void,
) {
  const rand = prng(77);
  const E = env.numEnvs;
  let r = env.reset();
  if (visit(-1, r)) return;
  const actions = game.roles.map((role) => new Int32Array(E * role.count));
  for (let t = 0; t < steps; t++) {
    game.roles.forEach((role, k) => {
      const mask = r.roles[k].mask;
      for (let j = 0; j < E * role.count; j++) {
        const legal: number[] = [];
        for (let f = 0; f < role.numActions; f++) if (mask[j * role.numActions + f]) legal.push(f);
        actions[k][j] = legal.length === 0 || rand() < 0.05 ? -1 : legal[Math.floor(rand() * legal.length)];
      }
    });
    let bot: { index: number; chosen: Int32Array } | undefined;
    if (game.bots.length > 0 && t % 3 === 0) {
      const index = Math.floor(t / 3) % game.bots.length;
      const chosen = new Int32Array(E * game.roles[game.bots[index].role].count);
      env.botActions(game.bots[index].name, chosen);
      actions[game.bots[index].role].set(chosen);
      bot = { index, chosen };
    }
    r = env.step(actions);
    if (visit(t, r, actions, bot)) return;
  }
}

const scenarios: [string, string][] = [
  ...exampleFiles().map((f): [string, string] => [f.name, f.code]),
  ["adversarial", ADVERSARIAL],
  ...Object.entries(EXTRA),
];

describe(`the generated NumPy module agrees with the JS kernel (${NUM_ENVS} copies x ${STEPS} steps, bit for bit)`, () => {
  let dir = "";
  const outcome = new Map<
    string,
    {
      ok: boolean;
      step?: number;
      what?: string;
      bot?: string;
      error?: string;
      buffers?: Record<string, (number | string)[]>;
    }
  >();

  beforeAll(() => {
    requireNumpy();
    dir = mkdtempSync(join(repoRoot, "test", ".tmp-python-"));
    // Record every scenario's run on the JS kernel, then replay them all in one Python process.
    const manifest = scenarios.map(([name, source], index) => {
      const game = ir(source);
      const caseDir = join(dir, String(index));
      mkdirSync(caseDir);
      writeFileSync(join(caseDir, "env.py"), generatePythonModule(game, { sourceName: name }));
      const env = createJsKernel(game)({ numEnvs: NUM_ENVS, seed: SEED, checked: true });
      const digests: string[] = [];
      const bots: Record<string, string> = {};
      const chunks: Buffer[] = [];
      script(game, env, STEPS, (t, r, actions, bot) => {
        digests.push(digest(r));
        if (!actions) return;
        chunks.push(Buffer.from(Int32Array.of(bot ? bot.index : -1).buffer));
        for (const a of actions) chunks.push(Buffer.from(a.slice().buffer));
        if (bot) bots[String(t)] = createHash("sha1").update(new Uint8Array(bot.chosen.buffer)).digest("hex");
      });
      writeFileSync(join(caseDir, "actions.bin"), Buffer.concat(chunks));
      return {
        name,
        index,
        module: join(caseDir, "env.py"),
        numEnvs: NUM_ENVS,
        seed: SEED,
        steps: STEPS,
        actions: join(caseDir, "actions.bin"),
        digests,
        bots,
      };
    });
    writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest));
    const run = python([join(support, "differential.py"), join(dir, "manifest.json")], { timeout: 600_000 });
    if (run.status !== 0) throw new Error(`differential.py failed (${run.status}): ${run.stderr}`);
    for (const line of run.stdout.split("\n")) {
      if (!line.trim()) continue;
      const result = JSON.parse(line);
      outcome.set(result.name, result);
    }
  }, 900_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const [name, source] of scenarios) {
    it(name, () => {
      const result = outcome.get(name);
      expect(result, "no result from differential.py").toBeDefined();
      if (result!.ok) return;
      if (result!.what === "error") throw new Error(`${name}: the Python module raised ${result!.error}`);
      // Find the first element that differs, from the JS kernel's values at that step.
      const game = ir(source);
      const env = createJsKernel(game)({ numEnvs: NUM_ENVS, seed: SEED, checked: true });
      let message = `${name}: ${result!.what} differs at step ${result!.step}`;
      script(game, env, STEPS, (t, r, _actions, bot) => {
        if (t < result!.step!) return false;
        const theirs = result!.buffers!;
        const ours: [string, ArrayLike<number>][] = result!.what === "bot" ? [["bot", bot!.chosen]] : buffers(r);
        for (const [buffer, values] of ours) {
          const other = theirs[buffer];
          for (let i = 0; i < values.length; i++) {
            const y = Number(other[i]);
            if (!Object.is(values[i], y) && !(values[i] === y)) {
              message += `: ${buffer}[${i}] is ${values[i]} on the JS kernel, ${y} in Python`;
              return true;
            }
          }
        }
        message += " (digests differ, values agree: a -0 or a NaN payload?)";
        return true;
      });
      throw new Error(message);
    });
  }
});

describe("the generated Python module's APIs", () => {
  let dir = "";
  beforeAll(() => {
    requireNumpy();
    dir = mkdtempSync(join(repoRoot, "test", ".tmp-python-api-"));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("passes the checks of PettingZoo's parallel_api_test, and the vectorised Env's checks, without PettingZoo installed", () => {
    const cases = [
      "iterated_pd.game",
      "public_goods.game",
      "cheap_talk.game",
      "commons_harvest.game",
      "trust_game.game",
    ].map((file) => {
      const game = ir(readFileSync(join(repoRoot, "examples", file), "utf8"));
      const path = join(dir, file.replace(".game", ".py"));
      writeFileSync(path, generatePythonModule(game, { sourceName: file }));
      return { file, module: path };
    });
    const run = python([join(support, "conformance.py"), JSON.stringify(cases)], { cwd: dir });
    expect(run.stderr).toBe("");
    const lines = run.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { file: string; ok: boolean; checks: number; error?: string });
    expect(lines.map((l) => l.file)).toEqual(cases.map((c) => c.file));
    for (const line of lines) {
      expect(line.error, line.file).toBeUndefined();
      expect(line.ok, line.file).toBe(true);
      expect(line.checks, line.file).toBeGreaterThan(50);
    }
    expect(run.status).toBe(0);
  });

  it("carries metrics' phase scope in SCHEMA, and its per-step metrics and phases give the scoped episode values", () => {
    const path = join(dir, "metric_scope.py");
    const game = ir(TWO_PHASES);
    writeFileSync(path, generatePythonModule(game, { sourceName: "two.game" }));
    // The recipe of docs/env-api.md: a step counts in the phase before it (the previous result's).
    const program = [
      "import importlib.util, json, sys",
      "import numpy as np",
      "spec = importlib.util.spec_from_file_location('m', sys.argv[1]); m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)",
      "env = m.Env(2, seed=4); res = env.reset(); names = m.SCHEMA['metrics']",
      "scope = [[m.SCHEMA['phases'].index(p) for p in ps] for ps in m.SCHEMA['metricPhases']]",
      "sums = np.zeros((2, len(names))); counts = np.zeros((2, len(names))); episodes = []",
      "for t in range(12):",
      "    before = res.phase.copy()",
      "    res = env.step([np.zeros((2, 1), np.int32)])",
      "    for e in range(2):",
      "        for k in range(len(names)):",
      "            if not scope[k] or int(before[e]) in scope[k]:",
      "                sums[e, k] += float(res.metrics[e, k]); counts[e, k] += 1",
      "        if res.done[e]:",
      "            episodes.append({n: sums[e, k] / counts[e, k] for k, n in enumerate(names)}); sums[e] = 0; counts[e] = 0",
      "print(json.dumps({'metricPhases': m.SCHEMA['metricPhases'], 'episodes': episodes}))",
    ].join("\n");
    const run = python(["-c", program, path]);
    expect(run.stderr).toBe("");
    const out = JSON.parse(run.stdout) as { metricPhases: string[][]; episodes: Record<string, number>[] };
    expect(out.metricPhases).toEqual(buildSchema(game).metricPhases);
    expect(out.metricPhases).toEqual([[], ["a"], [], ["a"], [], ["b"], ["a", "b"]]);
    expect(out.episodes).toHaveLength(4);
    for (const episode of out.episodes) expect(episode).toEqual(EXPECTED);
  });

  it("keeps hostile file names and labels inside string literals: the module imports, steps and runs nothing else", async () => {
    const sentinel = join(dir, "PWNED");
    const payload = `x""" + __import__('os').system('touch ${sentinel}') + """ ''' \\" \\\\ \u2028 \u2029 \u{1F600}`;
    const source = `game Hostile {
  role p * 2 {
    state v: int = 0
    action a
    action b
    observe self.v /* ${payload} */ + 1, self.v /* "); import os; os.system('touch ${sentinel}') # */ * 2
  }
  step { for q in p { match q.action { a => { q.v += 1  q.reward += 1 } } } }
}
`;
    // A file name with quotes, a newline, triple quotes, backslashes and U+2028.
    const fileName = `evil"""'''\\\n\u2028"); __import__('os').system('touch PWNED') #.game`;
    const gameDir = join(dir, "hostile-src");
    mkdirSync(gameDir, { recursive: true });
    const file = join(gameDir, fileName);
    writeFileSync(file, source);
    const out = join(dir, "hostile-out");
    const said: string[] = [];
    const code = await main(["compile", file, "--target", "python", "-o", out], {
      out: (s) => said.push(s),
      err: (s) => said.push(s),
    });
    expect(code, said.join("\n")).toBe(0);
    const text = readFileSync(join(out, "env.py"), "utf8");
    // The module is ASCII and no comment carries scenario text.
    // Tabs and newlines are the only control characters a module may hold.
    // eslint-disable-next-line no-control-regex
    expect(/^[\x09\x0a\x20-\x7e]*$/.test(text)).toBe(true);
    const comments = text.split("\n").filter((l) => l.trimStart().startsWith("#"));
    for (const c of comments) expect(c).not.toMatch(/PWNED|evil|import os/);
    const schema = JSON.parse(readFileSync(join(out, "schema.json"), "utf8"));
    const script = [
      "import json, sys",
      "sys.path.insert(0, sys.argv[1])",
      "import env",
      "e = env.Env(3, seed=1)",
      "r = e.reset()",
      "for t in range(5): r = e.step([[[0, 1]] * 3])",
      "print(json.dumps({'source': env.SOURCE_NAME, 'labels': [o['labels'] for o in env.SCHEMA['roles'][0]['observations']], 'obs': r.roles[0].obs.tolist()}))",
    ].join("\n");
    const run = python(["-c", script, out], { cwd: dir });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const got = JSON.parse(run.stdout);
    expect(got.source).toBe(fileName);
    expect(got.labels).toEqual(schema.roles[0].observations.map((o: { labels: string[] }) => o.labels));
    expect(got.labels[0][0]).toContain(`x""" + __import__('os')`);
    // Agent 0 played `a` 5 times, agent 1 `b`.
    expect(got.obs[0]).toEqual([
      [6, 10],
      [1, 0],
    ]);
    expect(existsSync(sentinel)).toBe(false);
  });

  it("the benchmark's hand-written NumPy games compute exactly what the generated modules compute, so the speed comparison is fair", () => {
    const paths = ["iterated_pd.game", "public_goods.game"].map((file) => {
      const path = join(dir, `bench-${file.replace(".game", ".py")}`);
      writeFileSync(
        path,
        generatePythonModule(ir(readFileSync(join(repoRoot, "examples", file), "utf8")), { sourceName: file }),
      );
      return path;
    });
    const run = python([join(repoRoot, "bench", "python", "bench.py"), ...paths, "--check"]);
    expect(run.stdout + run.stderr).not.toMatch(/differs/);
    expect(run.stdout).toContain("iterated_pd: the hand-written version computes what the generated one does");
    expect(run.stdout).toContain("public_goods: the hand-written version computes what the generated one does");
    expect(run.status).toBe(0);
  });

  it("writes string literals that Python reads back as the same text", () => {
    const texts = ['"""', "'''", "\\", "\\n", "\n\r\t\0", "\u2028\u2029", "\u{1F600}é", "\ud800", "{}%s"];
    const run = python(["-c", `import json, sys\nprint(json.dumps([${texts.map(pyString).join(", ")}]))`]);
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(texts);
  });

  it("writes env.py and the same schema.json with agora compile --target python", async () => {
    const out = join(dir, "ipd");
    const said: string[] = [];
    expect(
      await main(["compile", join(repoRoot, "examples/iterated_pd.game"), "--target", "python", "-o", out], {
        out: (s) => said.push(s),
        err: (s) => said.push(s),
      }),
    ).toBe(0);
    expect(said.join("\n")).toContain("env.py");
    expect(JSON.parse(readFileSync(join(out, "schema.json"), "utf8"))).toEqual(
      JSON.parse(JSON.stringify(buildSchema(ir(readFileSync(join(repoRoot, "examples/iterated_pd.game"), "utf8"))))),
    );
    const imports = readFileSync(join(out, "env.py"), "utf8").match(/^\s*(import|from) .*$/gm)!;
    // numpy and the standard library; gymnasium and pettingzoo only where installed.
    expect(imports.map((l) => l.trim())).toEqual([
      "import json as _json",
      "import numpy as np",
      "from gymnasium import spaces as _spaces",
      "from pettingzoo import ParallelEnv as _ParallelBase",
    ]);
  });
});
