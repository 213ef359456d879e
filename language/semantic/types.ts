/** The types of the `.game` language. */
export type Type =
  | { kind: "int" }
  | { kind: "real" }
  | { kind: "bool" }
  | { kind: "team" }
  | { kind: "rule" }
  | { kind: "phase" }
  /** An agent of a role. */
  | { kind: "agent"; role: string }
  /** An action of a role; `role` is undefined for `noop`, which compares with any. */
  | { kind: "action"; role: string | undefined }
  /** The type of an expression whose error was already reported; it matches anything. */
  | { kind: "error" };

export const INT: Type = { kind: "int" };
export const REAL: Type = { kind: "real" };
export const BOOL: Type = { kind: "bool" };
export const TEAM: Type = { kind: "team" };
export const RULE: Type = { kind: "rule" };
export const PHASE: Type = { kind: "phase" };
export const ERROR: Type = { kind: "error" };

export const agentOf = (role: string): Type => ({ kind: "agent", role });
export const actionOf = (role: string | undefined): Type => ({ kind: "action", role });

export function isNumeric(t: Type): boolean {
  return t.kind === "int" || t.kind === "real" || t.kind === "error";
}

/** A rule name reads as a bool in expressions. */
export function isBoolLike(t: Type): boolean {
  return t.kind === "bool" || t.kind === "rule" || t.kind === "error";
}

export function typeToString(t: Type): string {
  switch (t.kind) {
    case "agent":
      return `agent of \`${t.role}\``;
    case "action":
      return t.role ? `action of \`${t.role}\`` : "noop";
    case "error":
      return "unknown";
    default:
      return t.kind;
  }
}

export function sameType(a: Type, b: Type): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === "agent" && b.kind === "agent") return a.role === b.role;
  if (a.kind === "action" && b.kind === "action")
    return a.role === b.role || a.role === undefined || b.role === undefined;
  return true;
}

/** Whether a value of type `from` may stand where `to` is expected: int widens to real, a rule reads as a bool. */
export function isAssignable(from: Type, to: Type): boolean {
  if (from.kind === "error" || to.kind === "error") return true;
  if (from.kind === "int" && to.kind === "real") return true;
  if (from.kind === "rule" && to.kind === "bool") return true;
  return sameType(from, to);
}

/** Whether `==` and `!=` may compare the two. */
export function isComparable(a: Type, b: Type): boolean {
  if (isNumeric(a) && isNumeric(b)) return true;
  if (isBoolLike(a) && isBoolLike(b)) return true;
  return isAssignable(a, b) || isAssignable(b, a);
}

/** The type of `if c then a else b` and of mixed arithmetic: int joins real as real. */
export function joinTypes(a: Type, b: Type): Type | undefined {
  if (a.kind === "error") return b;
  if (b.kind === "error") return a;
  if (isNumeric(a) && isNumeric(b)) return a.kind === "int" && b.kind === "int" ? INT : REAL;
  if (isBoolLike(a) && isBoolLike(b)) return a.kind === "rule" && b.kind === "rule" ? RULE : BOOL;
  if (sameType(a, b)) return a.kind === "action" && a.role === undefined ? b : a;
  return undefined;
}
