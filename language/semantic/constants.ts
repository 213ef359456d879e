/** Values computed at compile time: param defaults, role counts, bounds. */
export type ConstValue = { type: "int" | "real"; value: number } | { type: "bool"; value: boolean };

/** Reals are float32 on every backend, so constants are rounded the same way. */
export function toReal(value: number): ConstValue {
  return { type: "real", value: Math.fround(value) };
}

export function toInt(value: number): ConstValue {
  return { type: "int", value: Math.trunc(value) };
}

export function formatConst(v: ConstValue): string {
  if (v.type === "bool") return String(v.value);
  if (v.type === "int") return String(v.value);
  return Number.isInteger(v.value) ? v.value.toFixed(1) : String(Number(v.value.toPrecision(7)));
}

/** Floored modulo, as the language defines `%`. */
export function flooredMod(a: number, b: number): number {
  if (b === 0) return 0;
  return a - b * Math.floor(a / b);
}
