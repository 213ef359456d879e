/** Parsers for option values: each turns a bad value into one clear line (a `UserError`). */
import { UserError } from "./files.js";

/** For a repeatable option: every value, in order. */
export const collect = (value: string, previous: string[]) => [...previous, value];

/** A positive integer option, with a clear message otherwise. */
export function positiveInt(name: string) {
  return (value: string) => {
    if (!/^[0-9]+$/.test(value) || Number(value) < 1) throw new UserError(`${name} takes a positive whole number, got \`${value}\``);
    return Number(value);
  };
}

export function positiveNumber(name: string) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new UserError(`${name} takes a positive number, got \`${value}\``);
    return n;
  };
}

/** A whole number >= 0 (`--samples`, `--seed` of `agora analyze`). */
export function parseCount(value: string, option: string): number {
  if (!/^[0-9]+$/.test(value.trim())) throw new UserError(`${option} ${value}: expected a whole number, such as ${option} 500`);
  return Number(value);
}
