/** Scenarios for metrics' phase scope (test/metric-scope.test.ts, the tensor and Python tests). */

/**
 * Two phases per round, three rounds: six steps, three in each phase. The expected episode
 * values, by hand:
 * - `always` (1 every step): 1 scoped to `a` or not;
 * - `in_a` (1 on `a` steps, 0 on `b` steps): 3/6 = 0.5 unscoped, 3/3 = 1 scoped to `a`;
 * - `late` (round + 1 on `b` steps, else 0): unscoped (0+1+0+2+0+3)/6 = 1, scoped to `b`
 *   (1+2+3)/3 = 2, so `phase` in a metric is the phase the step ran in;
 * - `both` scoped to `a, b` is every step: (0+1+1+2+2+3)/6 = 1.5 for `round + phase_b`.
 */
export const TWO_PHASES = `game Two {
  phases a, b
  horizon 3

  role p { action go }
  bot steady for p { play go }

  metric always = 1
  metric always_a in a = 1
  metric in_a = if phase == a then 1 else 0
  metric in_a_scoped in a = if phase == a then 1 else 0
  metric late = if phase == b then round + 1 else 0
  metric late_scoped in b = if phase == b then round + 1 else 0
  metric both in a, b = round + (if phase == b then 1 else 0)
}
`;
export const EXPECTED = { always: 1, always_a: 1, in_a: 0.5, in_a_scoped: 1, late: 1, late_scoped: 2, both: 1.5 };

/** The episode ends in its first step (phase `a`): a metric scoped to `b` has no value. */
export const ENDS_EARLY = `game Early {
  phases a, b
  horizon 2
  role p { action go }
  bot steady for p { play go }
  step a { end }
  metric per_step = 1
  metric in_b in b = 1
}
`;
