import { describe, expect, it } from "vitest";
import { compileToIR } from "../compiler/compile.js";
import type { IRGame } from "../compiler/ir.js";
import { describeActionShares } from "../runtime/action-stats.js";
import { formatEvaluation, playEpisodes, type EvaluationReport } from "../runtime/evaluate.js";

/**
 * `agora eval`'s per-role, per-phase action shares (runtime/evaluate.ts `playEpisodes` over
 * runtime/action-stats.ts), checked against values known exactly: every seat is a bot whose
 * choices are fixed by the round and the phase, so the shares follow by hand.
 */
const SHARES = `game Shares {
  phases propose, respond
  horizon 4
  state offered: int = 0

  role proposer {
    action offer(x: 0..10) in propose
    action wait in respond
  }
  role responder * 2 {
    action signal(t: proposer) in propose
    action accept in respond
    action reject in respond
    observe offered
  }
  role watcher { action look in respond }

  // Offers 2 in even rounds and 6 in odd ones: over rounds 0..3, a mean argument of 4.
  // In \`respond\` its one legal action is \`wait\`: a share of 1.
  bot alternating for proposer {
    if phase == propose {
      if round % 2 == 0 { play offer(2) } else { play offer(6) }
    } else {
      play wait
    }
  }
  // Signals in \`propose\` (share 1); accepts 6 and rejects 2 in \`respond\` (half each).
  bot picky for responder {
    if phase == propose {
      for p in proposer { play signal(p) }
    } else {
      if offered >= 5 { play accept } else { play reject }
    }
  }
  // Always asks for \`look\`, which exists in \`respond\` only: in \`propose\` it takes the
  // no-op, which is not counted, so the watcher has no \`propose\` entry.
  bot looker for watcher { play look }

  step propose {
    for p in proposer { match p.action { offer(x) => { offered = x } } }
  }
}
`;

function ir(source: string): IRGame {
  const { ir, document } = compileToIR(source);
  if (!ir) throw new Error(document.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
  return ir;
}

const EXPECTED = {
  proposer: {
    propose: [{ action: "offer", share: 1, meanArgument: 4 }],
    respond: [{ action: "wait", share: 1 }],
  },
  responder: {
    propose: [{ action: "signal(proposer#0)", share: 1 }],
    respond: [
      { action: "accept", share: 0.5 },
      { action: "reject", share: 0.5 },
    ],
  },
  watcher: {
    respond: [{ action: "look", share: 1 }],
  },
};

describe("agora eval: per-role, per-phase action shares", () => {
  const game = ir(SHARES);
  const bots = (role: string) => {
    const bot = game.bots.find((b) => game.roles[b.role].name === role)!;
    return { kind: "bot" as const, name: bot.name };
  };
  const controllers = game.roles.map((r) => new Array(r.count).fill(bots(r.name)));

  it("labels the targeted action as the schema does", () => {
    expect(game.roles[1].actionLabels).toEqual(["signal(proposer#0)", "accept", "reject"]);
  });

  for (const episodes of [1, 3, 70]) {
    it(`gives the exact shares and mean argument over ${episodes} episode(s)`, () => {
      const outcome = playEpisodes(game, controllers, episodes, 11);
      expect(outcome.returns[0][0]).toHaveLength(episodes);
      expect(JSON.parse(JSON.stringify(outcome.actions))).toEqual(EXPECTED);
    });
  }

  it("prints them in the evaluation's text, per role and phase", () => {
    const outcome = playEpisodes(game, controllers, 2, 11);
    expect(describeActionShares(outcome.actions, game.phases)).toEqual([
      "proposer in propose: offer 100% (mean 4)",
      "proposer in respond: wait 100%",
      "responder in propose: signal(proposer#0) 100%",
      "responder in respond: accept 50%, reject 50%",
      "watcher in respond: look 100%",
    ]);
    const report: EvaluationReport = {
      scenario: game.name,
      episodes: 2,
      selfPlay: {
        roles: [],
        metrics: [],
        welfare: { mean: 0, ci95: 0 },
        equality: { mean: 1, ci95: 0 },
        actions: outcome.actions,
      },
      crossPlay: { rows: [], columns: [], cells: [], focal: [] },
      phases: game.phases,
    };
    const text = formatEvaluation(report);
    expect(text).toContain("actions of proposer in propose: offer 100% (mean 4)");
    expect(text).toContain("actions of responder in respond: accept 50%, reject 50%");
  });
});
