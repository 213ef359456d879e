import type { Span } from "./text.js";

export type Severity = "error" | "warning" | "info" | "hint";

export interface RelatedLocation {
  span: Span;
  message: string;
}

export interface Diagnostic {
  /** Stable code, e.g. `E0101`; see `DiagnosticCode`. */
  code: string;
  severity: Severity;
  span: Span;
  message: string;
  /** A suggestion in the author's terms. */
  hint?: string;
  related?: RelatedLocation[];
  /** A machine-applicable replacement for quick fixes: replace `span` with `text`. */
  fix?: { span: Span; text: string; title: string };
}

/**
 * Every diagnostic Agora reports. Codes are stable: tools and tests match on them,
 * so a code is never reused for another meaning.
 */
export const DiagnosticCode = {
  // Syntax (E00xx)
  UnexpectedToken: "E0001",
  InvalidCharacter: "E0002",
  UnterminatedComment: "E0003",
  TooDeeplyNested: "E0004",
  ChainedComparison: "E0005",
  GameCount: "E0006",
  BinaryFile: "E0007",
  ReservedWord: "E0008",
  TooManyErrors: "E0009",

  // Names (E01xx)
  UnknownName: "E0101",
  DuplicateDeclaration: "E0102",
  UnknownField: "E0103",
  ReservedFieldName: "E0104",
  AmbiguousAction: "E0105",
  UnknownPhase: "E0106",
  UnknownAction: "E0107",
  UnknownRole: "E0108",
  NotAValue: "E0109",

  // Types (E02xx)
  TypeMismatch: "E0201",
  WrongArgumentCount: "E0202",
  NotCallable: "E0203",
  NoTeams: "E0204",
  ActionArgument: "E0205",

  // Contexts (E03xx)
  AssignToParam: "E0301",
  AssignToReadOnly: "E0302",
  SelfOutsideRole: "E0303",
  PlayOutsideBot: "E0304",
  StatementNotAllowed: "E0305",
  StepPhase: "E0306",

  // Constants (E04xx)
  NotConstant: "E0401",
  RoleCount: "E0402",
  EmptyRange: "E0403",
  DefaultOutsideRange: "E0404",
  DivisionByZero: "E0405",
  BadHorizon: "E0406",
  ConstantCycle: "E0407",
  NotFinite: "E0408",
  IntOutOfRange: "E0409",
  SizeLimit: "E0410",

  // Payoff tables (E05xx)
  PayoffMissingRows: "E0501",
  PayoffDuplicateRow: "E0502",
  PayoffRowSize: "E0503",
  PayoffNotAllowed: "E0504",

  // Training settings (E06xx)
  UnknownTrainKey: "E0601",
  BadTrainValue: "E0602",

  // Warnings (W0xxx)
  UnusedParam: "W0001",
  UnusedState: "W0002",
  ActionNeverAvailable: "W0003",
  RuleNeverActive: "W0004",
  UnreachableArm: "W0005",
  // Reported by the editor (it needs the game-theoretic analysis), not by `agora check`.
  DominatedAction: "W0008",
  NoRoles: "W0006",
  NoActions: "W0007",
  // A payoff table whose float32 run-time values order some payoffs differently from the exact values written.
  PayoffPrecision: "W0009",
} as const;

export type DiagnosticCodeName = keyof typeof DiagnosticCode;

export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return a.span.start - b.span.start || a.span.end - b.span.end || a.code.localeCompare(b.code);
}
