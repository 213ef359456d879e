/**
 * A time budget for an analysis. The long loops (enumerating a normal form, the solvers)
 * call `check()`; once the budget is spent it throws `AnalysisStopped`, which unwinds the
 * analysis: the editor then says it stopped instead of blocking on a big game. Without a
 * deadline (`agora analyze`) nothing is checked and the analysis runs to the end.
 */
export class Deadline {
  readonly started: number;

  constructor(
    /** Milliseconds the analysis may take (0: stop at the first check). */
    readonly budgetMs: number,
    /** The clock, in milliseconds (tests may pass their own). */
    private readonly now: () => number = () => performance.now(),
  ) {
    this.started = now();
  }

  /** Milliseconds since the deadline was set. */
  elapsed(): number {
    return this.now() - this.started;
  }

  /** Throws `AnalysisStopped` once the budget is spent. */
  check(): void {
    const elapsed = this.elapsed();
    if (elapsed >= this.budgetMs) throw new AnalysisStopped(this.budgetMs, elapsed);
  }
}

/** Thrown by `Deadline.check` when an analysis ran past its budget. */
export class AnalysisStopped extends Error {
  constructor(
    readonly budgetMs: number,
    readonly elapsedMs: number,
  ) {
    super(`the analysis was stopped after ${Math.round(elapsedMs)} ms (its budget is ${budgetMs} ms)`);
    this.name = "AnalysisStopped";
  }
}

/** Checks `deadline` where there is one. */
export function checkDeadline(deadline: Deadline | undefined): void {
  deadline?.check();
}
