/** Parsers for option values: each turns a bad value into one clear line (a `UserError`). */
import { parseRedisUrl } from "../runtime/sweep/redis-url.js";
import { UserError } from "./files.js";

/** TensorFlow.js backends for `--backend` of the commands that run policies. */
export const BACKENDS = ["wasm", "cpu", "node", "node-gpu", "webgl"];

/** For a repeatable option: every value, in order. */
export const collect = (value: string, previous: string[]) => [...previous, value];

/** A positive integer option up to `max`, with a clear message otherwise. */
export function positiveInt(name: string, max = Number.MAX_SAFE_INTEGER) {
  return (value: string) => {
    if (!/^[0-9]+$/.test(value) || Number(value) < 1)
      throw new UserError(`${name} takes a positive whole number, got \`${value}\``);
    if (Number(value) > max)
      throw new UserError(`${name} ${value}: too large (at most ${max.toLocaleString("en-US")})`);
    return Number(value);
  };
}

/** A Redis URL (`--queue`, `agora worker URL`), checked before anything is made. */
export function redisUrl(what: string) {
  return (value: string) => {
    try {
      parseRedisUrl(value);
    } catch (error) {
      throw new UserError(`${what}: ${(error as Error).message}`);
    }
    return value;
  };
}

/** Limits of `agora train` flags (docs/language.md §14): beyond them memory runs out before training starts. */
export const TRAIN_LIMITS = { envs: 100_000, rollout: 100_000, layers: 8, units: 4096 };

/** `--hidden 64,64`: at most `TRAIN_LIMITS.layers` layers of at most `TRAIN_LIMITS.units` units. */
export function hiddenSizes(value: string): number[] {
  const sizes = value.split(",").map((x) => (/^\s*[0-9]+\s*$/.test(x) ? Number(x) : NaN));
  if (sizes.some((x) => !Number.isInteger(x) || x < 1))
    throw new UserError(`--hidden takes sizes such as 64,64, got \`${value}\``);
  if (sizes.length > TRAIN_LIMITS.layers)
    throw new UserError(`--hidden ${value}: at most ${TRAIN_LIMITS.layers} layers`);
  if (sizes.some((x) => x > TRAIN_LIMITS.units))
    throw new UserError(`--hidden ${value}: at most ${TRAIN_LIMITS.units} units per layer`);
  return sizes;
}

/** A positive number that stays finite as a float32 (the trainer computes in float32). */
export function positiveNumber(name: string, max = FLOAT32_MAX) {
  return (value: string) => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isFinite(n) || n <= 0)
      throw new UserError(`${name} takes a positive number, got \`${value}\``);
    if (n > max) throw new UserError(`${name} ${value}: too large (at most ${max})`);
    return n;
  };
}

/** A number in [lo, hi] (`--gamma`, `--lambda`, `--value-coef`). */
export function numberIn(name: string, lo: number, hi: number) {
  return (value: string) => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isFinite(n) || n < lo || n > hi)
      throw new UserError(`${name} takes a number from ${lo} to ${hi}, got \`${value}\``);
    return n;
  };
}

/** A number >= 0 that stays finite as a float32. */
export function nonNegativeNumber(name: string, max = FLOAT32_MAX) {
  return (value: string) => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isFinite(n) || n < 0)
      throw new UserError(`${name} takes a number >= 0, got \`${value}\``);
    if (n > max) throw new UserError(`${name} ${value}: too large (at most ${max})`);
    return n;
  };
}

/** The largest finite float32, about 3.4e38. */
export const FLOAT32_MAX = 3.4028234663852886e38;

/** A whole number, possibly negative, that is exact in a double (`--seed`). */
export function wholeNumber(name: string) {
  return (value: string) => {
    if (!/^-?[0-9]+$/.test(value.trim()) || !Number.isSafeInteger(Number(value)))
      throw new UserError(`${name} takes a whole number, got \`${value}\``);
    return Number(value);
  };
}

/** A whole number >= 0 (`--samples`, `--seed` of `agora analyze`). */
export function parseCount(value: string, option: string): number {
  if (!/^[0-9]+$/.test(value.trim()))
    throw new UserError(`${option} ${value}: expected a whole number, such as ${option} 500`);
  return Number(value);
}
