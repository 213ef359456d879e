import { describe, expect, it } from "vitest";
import { analyzeScenario } from "../../analysis/analyze.js";
import { AnalysisStopped, Deadline } from "../../analysis/deadline.js";
import { summarizeGame } from "../../analysis/editor.js";
import { createAnalysisContribution } from "../../analysis/service-contribution.js";
import { compileToIR } from "../../compiler/compile.js";
import * as service from "../../language/service/index.js";

/**
 * The analysis's time budget: the editor stops an analysis that runs past it and says so,
 * instead of blocking; `agora analyze` (no deadline) runs to the end.
 */

/** 12 players with 2 actions each: 4,096 joint actions (the editor's cap), each a step of 144 comparisons. */
const CROWD = `game Crowd {
  horizon 1
  role p * 12 {
    action a
    action b
  }
  step {
    for x in p { for y in p { if x.action == y.action { x.reward += 1 } } }
  }
}
`;

/** A clock that moves 1 ms each time it is read: a deadline of N ms stops at about its N-th check. */
function ticking() {
  let t = 0;
  return () => t++;
}

describe("the analysis's time budget", () => {
  it("runs to the end without a budget", () => {
    const summary = summarizeGame(CROWD)!;
    expect(summary.stopped).toBeUndefined();
    expect(summary.note).toBeUndefined();
    // Coordinating on one action: everyone on `a`, or everyone on `b`.
    expect(summary.pureEquilibria.map((e) => new Set(e.profile).size)).toEqual([1, 1]);
  });

  it("stops the editor's analysis at its first check with a budget of 0 ms, and says so", () => {
    const summary = summarizeGame(CROWD, undefined, { budgetMs: 0 })!;
    expect(summary.stopped).toEqual({ afterMs: expect.any(Number), budgetMs: 0 });
    expect(summary.pureEquilibria).toEqual([]);
    expect(summary.dominated).toEqual([]);
    expect(summary.lens).toMatch(/^analysis stopped after \d+ ms: run agora analyze$/);
    expect(summary.hover).toMatch(/stopped after \d+ ms .*run `agora analyze` for the full result/);
  });

  it("stops inside the enumeration of the normal form, not only before it", () => {
    // 4,096 joint actions in batches of 256 under a deadline: 16 checks in the enumeration alone.
    let reads = 0;
    const clock = ticking();
    const deadline = new Deadline(6, () => (reads++, clock()));
    const summary = summarizeGame(CROWD, undefined, { deadline })!;
    expect(summary.stopped?.budgetMs).toBe(6);
    expect(reads).toBe(7); // the start, then six checks: the sixth finds the budget spent
  });

  it("stops with a real clock and a small budget on a large game", () => {
    const started = performance.now();
    const summary = summarizeGame(CROWD, undefined, { budgetMs: 1 })!;
    expect(summary.stopped?.budgetMs).toBe(1);
    // Loose: it returns long before the full analysis would (the outcome is what is asserted above).
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it("returns a `stopped` outcome from analyzeScenario under a deadline, and the full analysis without", () => {
    const { ir } = compileToIR(CROWD);
    const stopped = analyzeScenario(ir!, { deadline: new Deadline(0) });
    expect(stopped).toMatchObject({ ok: false, kind: "stopped" });
    expect(stopped.ok ? "" : stopped.reason).toMatch(/stopped after \d+ ms .*run `agora analyze` for the full result/);
    const full = analyzeScenario(ir!, { sweep: false, mixed: false });
    expect(full.ok).toBe(true);
  });

  it("Deadline.check throws AnalysisStopped once the budget is spent", () => {
    const deadline = new Deadline(2, ticking());
    expect(() => deadline.check()).not.toThrow();
    expect(() => deadline.check()).toThrow(AnalysisStopped);
  });
});

describe("the analysis contribution under a budget", () => {
  const pd = `game PD {
  horizon 1
  role player * 2 { action cooperate  action defect }
  payoff {
    cooperate, cooperate => 3, 3
    cooperate, defect    => 0, 5
    defect,    cooperate => 5, 0
    defect,    defect    => 1, 1
  }
}
`;
  const docWith = (text: string, budgetMs: number) =>
    service.createDocument("file:///g.game", text, 1, [createAnalysisContribution({ budgetMs })]);
  const hoverOnName = (doc: service.GameDocument, text: string) =>
    service.getHover(doc, doc.positionAt(text.indexOf("game ") + 6));

  it("says in the hover and the lens that the analysis was stopped, and gives no W0008 from a stopped one", () => {
    const doc = docWith(CROWD, 0);
    const hover = hoverOnName(doc, CROWD);
    expect(hover?.contents).toMatch(/Game analysis.*stopped after \d+ ms.*run `agora analyze` for the full result/);
    const lenses = service.getCodeLenses(doc);
    expect(lenses.map((l) => l.title)).toEqual([expect.stringMatching(/^analysis stopped after \d+ ms/)]);
    const stoppedPd = docWith(pd, 0);
    expect(service.getDiagnostics(stoppedPd).filter((d) => d.code === "W0008")).toEqual([]);
  });

  it("gives the full summary and W0008 within a generous budget", () => {
    const doc = docWith(pd, 60_000);
    // One warning on `cooperate` (one per action declaration, however many players).
    expect(service.getDiagnostics(doc).filter((d) => d.code === "W0008")).toHaveLength(1);
    expect(service.getCodeLenses(doc)[0].title).toContain("prisoners_dilemma");
  });
});
