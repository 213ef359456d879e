import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../cli/main.js";
import { compileToIR } from "../compiler/compile.js";
import { createInterpreter } from "../compiler/interpreter.js";
import type { IRGame } from "../compiler/ir.js";
import { createJsKernel } from "../compiler/js-backend.js";
import { buildSchema, type EnvOptions, type VecEnv } from "../compiler/vecenv.js";
import { checkText } from "../language/check.js";
import { formatText, formatTextDetailed } from "../language/format.js";
import { createDocument, getCompletions, getHover } from "../language/service/index.js";
import { parse } from "../language/syntax/parse.js";
import { EpisodeTracker, summarize } from "../runtime/episodes.js";
import { playEpisodes } from "../runtime/evaluate.js";
import { ENDS_EARLY, EXPECTED, TWO_PHASES } from "./support/metric-scope.js";

/**
 * `metric name in phase, ... = expr`: a metric's episode value averages the steps that ran
 * in its phases only (a step counts in the phase it ran in), from the syntax to the
 * episode statistics of training and evaluation.
 */

function ir(source: string): IRGame {
  const { ir, document } = compileToIR(source);
  if (!ir) throw new Error(document.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
  return ir;
}

const codes = (source: string) => checkText(source).diagnostics.map((d) => `${d.code} ${d.message}`);

const backends: [string, (g: IRGame, o: EnvOptions) => VecEnv][] = [
  ["the interpreter", (g, o) => createInterpreter(g, o)],
  ["the JS kernel", (g, o) => createJsKernel(g)(o)],
];

/** Runs `steps` steps of every copy with every agent taking its first action, recording episodes. */
function track(game: IRGame, env: VecEnv, steps: number) {
  const tracker = new EpisodeTracker(game, env.numEnvs, () => 0);
  env.reset();
  const actions = game.roles.map((r) => new Int32Array(env.numEnvs * r.count));
  for (let t = 0; t < steps; t++) tracker.record(env.step(actions));
  return tracker.drain();
}

describe("metric phase scope: syntax", () => {
  it("parses `metric m in p = e` and `metric m in p, q = e` into the metric's phases", () => {
    const { ast, diagnostics } = parse(TWO_PHASES);
    expect(diagnostics).toEqual([]);
    const metrics = ast.game!.items.flatMap((i) => (i.kind === "Metric" ? [i] : []));
    expect(metrics.map((m) => [m.name.text, m.phases.map((p) => p.text)])).toEqual([
      ["always", []],
      ["always_a", ["a"]],
      ["in_a", []],
      ["in_a_scoped", ["a"]],
      ["late", []],
      ["late_scoped", ["b"]],
      ["both", ["a", "b"]],
    ]);
    expect(metrics[1].inKeyword).toBeDefined();
    expect(metrics[0].inKeyword).toBeUndefined();
  });

  it("recovers from a broken scope without throwing, and keeps the items after it", () => {
    for (const broken of ["metric m in = 1", "metric m in a, = 1", "metric m in a b = 1", "metric in a = 1"]) {
      const result = parse(`game G {\n  phases a, b\n  ${broken}\n  metric ok = 2\n}\n`);
      expect(
        result.diagnostics.some((d) => d.code === "E0001"),
        broken,
      ).toBe(true);
      expect(
        result.ast.game!.items.some((i) => i.kind === "Metric" && i.name.text === "ok"),
        broken,
      ).toBe(true);
    }
    // Cut off at the end of the file: an error, no throw.
    expect(parse("game G {\n  phases a, b\n  metric m in").diagnostics.some((d) => d.code === "E0001")).toBe(true);
    expect(checkText("game G {\n  phases a, b\n  metric m in a,").diagnostics.length).toBeGreaterThan(0);
  });

  it("formats the scope as `metric m in a, b = e`, stably", () => {
    const messy = "game G {\n  phases a, b\n  metric   m   in a ,b=1\n  metric n in  b = 2 // note\n  metric o=3\n}\n";
    const result = formatTextDetailed(messy);
    expect(result.status).toBe("formatted");
    expect(result.text).toBe(
      "game G {\n  phases a, b\n  metric m in a, b = 1\n  metric n in b = 2 // note\n  metric o = 3\n}\n",
    );
    expect(formatText(result.text)).toBe(result.text);
    expect(formatText(TWO_PHASES)).toBe(TWO_PHASES);
  });
});

describe("metric phase scope: checker", () => {
  it("reports an unknown phase in a metric's scope (E0106) with a suggestion", () => {
    const source = "game G {\n  phases offer, respond\n  role p { action go }\n  metric m in ofer = 1\n}";
    expect(codes(source)).toEqual(["E0106 unknown phase `ofer`"]);
    const d = checkText(source).diagnostics[0];
    expect(d.hint).toBe("did you mean `offer`?");
    expect(source.slice(d.span.start, d.span.end)).toBe("ofer");
  });

  it("reports a scope in a game without `phases` (E0106)", () => {
    expect(codes("game G {\n  role p { action go }\n  metric m in main = 1\n}")).toEqual([
      "E0106 unknown phase `main`: this game declares no `phases`",
    ]);
  });

  it("reports a name in the scope that is not a phase (here a role)", () => {
    expect(codes("game G {\n  phases a, b\n  role p { action go }\n  metric m in p = 1\n}")).toEqual([
      "E0106 unknown phase `p`",
    ]);
  });

  it("lowers the scope to phase indices, and carries it into schema.json", () => {
    const game = ir(TWO_PHASES);
    expect(game.metrics.map((m) => [m.name, m.phases])).toEqual([
      ["always", []],
      ["always_a", [0]],
      ["in_a", []],
      ["in_a_scoped", [0]],
      ["late", []],
      ["late_scoped", [1]],
      ["both", [0, 1]],
    ]);
    const schema = buildSchema(game);
    expect(schema.metrics).toEqual(Object.keys(EXPECTED));
    expect(schema.metricPhases).toEqual([[], ["a"], [], ["a"], [], ["b"], ["a", "b"]]);
    // Repeated phases are listed once, in phase order.
    expect(
      ir("game G {\n  phases a, b\n  role p { action go }\n  metric m in b, a, b = 1\n}").metrics[0].phases,
    ).toEqual([0, 1]);
  });
});

describe("metric phase scope: agora compile", () => {
  it("writes the scope into schema.json as metricPhases", async () => {
    const dir = mkdtempSync(join(tmpdir(), "agora-metric-scope-"));
    try {
      writeFileSync(join(dir, "two.game"), TWO_PHASES);
      const said: string[] = [];
      const code = await main(["compile", join(dir, "two.game"), "-o", join(dir, "out")], {
        out: (s) => said.push(s),
        err: (s) => said.push(s),
      });
      expect(code, said.join("\n")).toBe(0);
      const schema = JSON.parse(readFileSync(join(dir, "out", "schema.json"), "utf8"));
      expect(schema.metrics).toEqual(Object.keys(EXPECTED));
      expect(schema.metricPhases).toEqual([[], ["a"], [], ["a"], [], ["b"], ["a", "b"]]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("metric phase scope: episode values", () => {
  for (const [name, create] of backends) {
    it(`averages a scoped metric over its phase's steps only on ${name}`, () => {
      const game = ir(TWO_PHASES);
      const records = track(game, create(game, { numEnvs: 3, seed: 5 }), 12);
      // 12 steps of 3 copies, 6 steps per episode: 2 episodes per copy.
      expect(records).toHaveLength(6);
      for (const r of records) {
        expect(r.length).toBe(6);
        expect(Object.fromEntries(game.metrics.map((m, k) => [m.name, r.metrics[k]]))).toEqual(EXPECTED);
      }
      const summary = summarize(records)!;
      expect(Object.fromEntries(game.metrics.map((m, k) => [m.name, summary.metrics[k]]))).toEqual(EXPECTED);
    });

    it(`gives no value (null, not 0) where no step ran in the metric's phases on ${name}`, () => {
      const game = ir(ENDS_EARLY);
      const records = track(game, create(game, { numEnvs: 2, seed: 1 }), 3);
      expect(records).toHaveLength(6);
      for (const r of records) {
        expect(r.length).toBe(1);
        expect(r.metrics).toEqual([1, null]);
      }
      expect(summarize(records)!.metrics).toEqual([1, null]);
      // The summary averages over the episodes that have a value.
      expect(
        summarize([
          { ...records[0], metrics: [1, null] },
          { ...records[1], metrics: [0, 4] },
          { ...records[2], metrics: [0.5, 2] },
        ])!.metrics,
      ).toEqual([0.5, 3]);
    });
  }

  it("applies the same scope in evaluation (`agora eval`'s playEpisodes)", () => {
    const game = ir(TWO_PHASES);
    const bot = { kind: "bot" as const, name: "steady" };
    const outcome = playEpisodes(game, [[bot]], 5, 3);
    expect(outcome.metrics).toHaveLength(5);
    for (const values of outcome.metrics)
      expect(Object.fromEntries(game.metrics.map((m, k) => [m.name, values[k]]))).toEqual(EXPECTED);
    const early = ir(ENDS_EARLY);
    expect(playEpisodes(early, [[bot]], 3, 3).metrics).toEqual([
      [1, null],
      [1, null],
      [1, null],
    ]);
  });
});

describe("metric phase scope: editor", () => {
  const at = (source: string) => {
    const offset = source.indexOf("|");
    const text = source.slice(0, offset) + source.slice(offset + 1);
    const doc = createDocument("file:///t.game", text);
    return { doc, position: doc.positionAt(offset) };
  };

  it("completes phase names after `metric m in` and after a comma in the scope", () => {
    for (const source of [
      "game G {\n  phases offer, respond\n  role p { action go }\n  metric m in |\n}",
      "game G {\n  phases offer, respond\n  role p { action go }\n  metric m in offer, |\n}",
    ]) {
      const { doc, position } = at(source);
      const items = getCompletions(doc, position).items;
      expect(items.map((i) => i.label).sort(), source).toEqual(["offer", "respond"]);
    }
  });

  it("says a metric's scope in its hover, and resolves the phase names in it", () => {
    const scoped = at("game G {\n  phases offer, respond\n  role p { action go }\n  metric |m in respond = 1\n}");
    expect(getHover(scoped.doc, scoped.position)?.contents).toContain("phase `respond` only");
    const whole = at("game G {\n  phases offer, respond\n  role p { action go }\n  metric |m = 1\n}");
    expect(getHover(whole.doc, whole.position)?.contents).toContain("every step of the episode");
    const phase = at("game G {\n  phases offer, respond\n  role p { action go }\n  metric m in |respond = 1\n}");
    expect(getHover(phase.doc, phase.position)?.contents).toContain("phase respond");
  });
});
