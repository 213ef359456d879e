/**
 * A small, fast, seedable pseudo-random generator (mulberry32) for everything that must be
 * reproducible from a seed: sampling and shuffling in the trainer, restarts in the
 * analysis, fuzz tests. (Environments draw differently: counter-based, in language/semantic/scalar-ops.ts.)
 */
export class Rng {
  private a: number;
  constructor(seed: number) {
    this.a = seed >>> 0;
  }
  /** A uniform draw from [0, 1). */
  next(): number {
    this.a = (this.a + 0x6d2b79f5) >>> 0;
    let t = this.a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** The generator's whole state, to save in a checkpoint and restore. */
  get state(): number {
    return this.a;
  }
  set state(value: number) {
    this.a = value >>> 0;
  }
}

/** The generator as a function, for callers that only draw. */
export function prng(seed: number): () => number {
  const rng = new Rng(seed);
  return () => rng.next();
}
