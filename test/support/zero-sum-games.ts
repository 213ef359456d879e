/**
 * One-shot zero-sum games whose only equilibrium is mixed: where self-play cycles and the
 * `pool` co-player (fictitious self-play) is tested. `train` is spliced in before the
 * closing brace; `range` is the payoff range (max − min payoff).
 */
export const ZERO_SUM_GAMES: { name: string; range: number; source: (train?: string) => string }[] = [
  {
    name: "matching pennies",
    range: 2,
    source: (train = "") => `game Pennies {
  horizon 1
  role matcher {
    action heads
    action tails
  }
  role mismatcher {
    action heads
    action tails
  }
  payoff {
    heads, heads => 1, -1
    heads, tails => -1, 1
    tails, heads => -1, 1
    tails, tails => 1, -1
  }${train}
}
`,
  },
  {
    name: "rock-paper-scissors",
    range: 2,
    source: (train = "") => `game Rps {
  horizon 1
  role player * 2 {
    action rock
    action paper
    action scissors
  }
  payoff {
    rock, rock => 0, 0
    rock, paper => -1, 1
    rock, scissors => 1, -1
    paper, rock => 1, -1
    paper, paper => 0, 0
    paper, scissors => -1, 1
    scissors, rock => -1, 1
    scissors, paper => 1, -1
    scissors, scissors => 0, 0
  }${train}
}
`,
  },
  {
    // Asymmetric: the equilibrium is kicker left 3/7, keeper left 2/7 (not the uniform
    // mixture that an entropy bonus drifts towards: uniform play has NashConv 1).
    name: "an asymmetric 2×2 zero-sum penalty kick",
    range: 6,
    source: (train = "") => `game PenaltyKick {
  horizon 1
  role kicker {
    action left
    action right
  }
  role keeper {
    action left
    action right
  }
  payoff {
    left, left => 3, -3
    left, right => -1, 1
    right, left => -2, 2
    right, right => 1, -1
  }${train}
}
`,
  },
];
