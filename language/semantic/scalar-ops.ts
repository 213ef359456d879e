/**
 * The scalar semantics every backend shares: float32 reals, int32 ints, division and
 * modulo that never produce NaN, and counter-based random draws.
 *
 * The JS backend embeds these very functions in generated modules (through their source
 * text), so the interpreter and generated kernels cannot drift apart. Keep them free of
 * references to anything outside themselves.
 */

/** Real division: x / 0 is 0, so environments never emit NaN or infinities from it. */
export function rdiv(a: number, b: number): number {
  return b === 0 ? 0 : Math.fround(a / b);
}

/** Floored modulo on ints; x % 0 is 0. */
export function imod(a: number, b: number): number {
  if (b === 0) return 0;
  const r = a % b;
  return r !== 0 && r < 0 !== b < 0 ? r + b : r;
}

/** Floored modulo on reals, as TensorFlow.js computes it; x % 0 is 0. */
export function rmod(a: number, b: number): number {
  if (b === 0) return 0;
  const r = a % b;
  return Math.fround(r !== 0 && r < 0 !== b < 0 ? (r + b) % b : r);
}

/** `log` and `sqrt` outside their domain give 0, like division by zero. */
export function rlog(x: number): number {
  return x > 0 ? Math.fround(Math.log(x)) : 0;
}

export function rsqrt(x: number): number {
  return x >= 0 ? Math.fround(Math.sqrt(x)) : 0;
}

/** One round of the counter hash: folds a 32-bit value into the state. */
export function rmix(h: number, x: number): number {
  h = Math.imul(h ^ (x | 0), 0x85ebca6b);
  return (h ^ (h >>> 13)) | 0;
}

/** The hash state for one call site at one moment of one environment copy's episode. */
export function rbase(seed: number, env: number, episode: number, round: number, phase: number, site: number): number {
  // The seed is mixed in on its own first: folding it in with the copy index (seed ^ env)
  // would make seed s on copy c draw what seed s ^ k draws on copy c ^ k.
  let h = rmix(rmix(0x2545f491, seed), env);
  h = rmix(h, episode);
  h = rmix(h, round);
  h = rmix(h, phase);
  return rmix(h, site);
}

/** Finalises a hash state into a uniform draw from [0, 1) with 24 bits (exact in float32). */
export function runit(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  h ^= h >>> 16;
  return (h >>> 8) / 16777216;
}

/** A uniform int in lo..hi (both included) from a unit draw, computed in float32 as on tensors. */
export function rint(u: number, lo: number, hi: number): number {
  const n = hi - lo + 1;
  if (n <= 1) return lo;
  const k = Math.floor(Math.fround(u * n));
  return lo + (k < n ? k : n - 1);
}

/** A uniform real in lo..hi from a unit draw, in float32 steps. */
export function rreal(u: number, lo: number, hi: number): number {
  return Math.fround(lo + Math.fround(u * Math.fround(hi - lo)));
}

/** The helpers above, as source text to embed in generated modules. */
export const SCALAR_OPS_SOURCE = [rdiv, imod, rmod, rlog, rsqrt, rmix, rbase, runit, rint, rreal]
  .map((f) => f.toString())
  .join("\n");
