import { createToken, Lexer, type TokenType } from "chevrotain";

/** Any word: an identifier or a keyword. Declared names and field names take this, so a
 * reserved word in a declaration gets a precise "reserved word" error instead of a
 * generic syntax error, and any word may follow a `.`. */
export const AnyWord = createToken({ name: "AnyWord", pattern: Lexer.NA });
export const Keyword = createToken({ name: "Keyword", pattern: Lexer.NA });
/** Every infix operator; the AST builder sorts out precedence (a flat list keeps the CST small). */
export const BinaryOp = createToken({ name: "BinaryOp", pattern: Lexer.NA });
/** `-` and `not` in front of an operand. */
export const PrefixOp = createToken({ name: "PrefixOp", pattern: Lexer.NA });

export const Identifier = createToken({
  name: "Identifier",
  pattern: /[A-Za-z_][A-Za-z0-9_]*/,
  categories: [AnyWord],
});

const KEYWORD_CATEGORIES: Record<string, TokenType[]> = { and: [BinaryOp], or: [BinaryOp], not: [PrefixOp] };

function keyword(word: string): TokenType {
  return createToken({
    name: word[0].toUpperCase() + word.slice(1),
    pattern: new RegExp(word),
    longer_alt: Identifier,
    categories: [Keyword, AnyWord, ...(KEYWORD_CATEGORIES[word] ?? [])],
  });
}

/** The reserved words of the language, in the order docs/language.md lists them (section 3). */
export const RESERVED_WORDS = [
  "game",
  "param",
  "horizon",
  "phases",
  "teams",
  "state",
  "role",
  "rule",
  "payoff",
  "step",
  "metric",
  "bot",
  "train",
  "action",
  "observe",
  "objective",
  "team",
  "let",
  "if",
  "then",
  "else",
  "match",
  "for",
  "in",
  "where",
  "when",
  "enact",
  "repeal",
  "end",
  "play",
  "and",
  "or",
  "not",
  "true",
  "false",
  "self",
  "round",
  "phase",
  "last",
  "noop",
  "starts",
  "active",
  "int",
  "real",
  "bool",
] as const;

export type ReservedWord = (typeof RESERVED_WORDS)[number];

const keywordTokens = new Map<string, TokenType>();
for (const word of RESERVED_WORDS) keywordTokens.set(word, keyword(word));
const kw = (word: ReservedWord): TokenType => keywordTokens.get(word)!;

export const Game = kw("game");
export const Param = kw("param");
export const Horizon = kw("horizon");
export const Phases = kw("phases");
export const Teams = kw("teams");
export const State = kw("state");
export const Role = kw("role");
export const Rule = kw("rule");
export const Payoff = kw("payoff");
export const Step = kw("step");
export const Metric = kw("metric");
export const Bot = kw("bot");
export const Train = kw("train");
export const Action = kw("action");
export const Observe = kw("observe");
export const Objective = kw("objective");
export const Team = kw("team");
export const Let = kw("let");
export const If = kw("if");
export const Then = kw("then");
export const Else = kw("else");
export const Match = kw("match");
export const For = kw("for");
export const In = kw("in");
export const Where = kw("where");
export const When = kw("when");
export const Enact = kw("enact");
export const Repeal = kw("repeal");
export const End = kw("end");
export const Play = kw("play");
export const And = kw("and");
export const Or = kw("or");
export const Not = kw("not");
export const True = kw("true");
export const False = kw("false");
export const Self = kw("self");
export const Round = kw("round");
export const Phase = kw("phase");
export const Last = kw("last");
export const Noop = kw("noop");
export const Starts = kw("starts");
export const Active = kw("active");
export const Int = kw("int");
export const Real = kw("real");
export const Bool = kw("bool");

export const Number = createToken({
  name: "Number",
  pattern: /[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/,
});
/** `.5` and `2.`: read as numbers so the parse goes on, and reported with the fix. */
export const MalformedNumber = createToken({
  name: "MalformedNumber",
  pattern: /\.[0-9]+(?:[eE][+-]?[0-9]+)?|[0-9]+\.(?![.0-9])(?:[eE][+-]?[0-9]+)?/,
  categories: [Number],
});
/** A quoted string: the language has none, but it stands where a value was meant. */
export const StringLiteral = createToken({ name: "StringLiteral", pattern: /"[^"\r\n]*"?|'[^'\r\n]*'?/ });
/** A `#` line, as in shell or Python: reported and skipped whole. */
export const HashComment = createToken({ name: "HashComment", pattern: /#[^\r\n]*/, group: "invalid" });

export const WhiteSpace = createToken({
  name: "WhiteSpace",
  pattern: /[ \t\r\n\f\v\u00a0\ufeff]+/,
  group: Lexer.SKIPPED,
});
export const LineComment = createToken({ name: "LineComment", pattern: /\/\/[^\r\n]*/, group: "comments" });
export const BlockComment = createToken({
  name: "BlockComment",
  pattern: /\/\*[\s\S]*?\*\//,
  group: "comments",
  line_breaks: true,
});
/** Matched only when a `/*` has no closing `*\/`: reported, and the rest of the file is skipped. */
export const UnterminatedComment = createToken({
  name: "UnterminatedComment",
  pattern: /\/\*[\s\S]*/,
  group: "comments",
  line_breaks: true,
});

export const CompareOp = createToken({ name: "CompareOp", pattern: Lexer.NA });
export const AddOp = createToken({ name: "AddOp", pattern: Lexer.NA });
export const MulOp = createToken({ name: "MulOp", pattern: Lexer.NA });
export const AssignOp = createToken({ name: "AssignOp", pattern: Lexer.NA });

export const Arrow = createToken({ name: "Arrow", pattern: /=>/ });
export const EqEq = createToken({ name: "EqEq", pattern: /==/, categories: [CompareOp, BinaryOp] });
export const NotEq = createToken({ name: "NotEq", pattern: /!=/, categories: [CompareOp, BinaryOp] });
export const LessEq = createToken({ name: "LessEq", pattern: /<=/, categories: [CompareOp, BinaryOp] });
export const GreaterEq = createToken({ name: "GreaterEq", pattern: />=/, categories: [CompareOp, BinaryOp] });
export const Less = createToken({ name: "Less", pattern: /</, categories: [CompareOp, BinaryOp] });
export const Greater = createToken({ name: "Greater", pattern: />/, categories: [CompareOp, BinaryOp] });
export const PlusEq = createToken({ name: "PlusEq", pattern: /\+=/, categories: [AssignOp] });
export const MinusEq = createToken({ name: "MinusEq", pattern: /-=/, categories: [AssignOp] });
export const StarEq = createToken({ name: "StarEq", pattern: /\*=/, categories: [AssignOp] });
export const SlashEq = createToken({ name: "SlashEq", pattern: /\/=/, categories: [AssignOp] });
export const Eq = createToken({ name: "Eq", pattern: /=/, categories: [AssignOp] });
export const Plus = createToken({ name: "Plus", pattern: /\+/, categories: [AddOp, BinaryOp] });
export const Minus = createToken({ name: "Minus", pattern: /-/, categories: [AddOp, BinaryOp, PrefixOp] });
export const Star = createToken({ name: "Star", pattern: /\*/, categories: [MulOp, BinaryOp] });
export const Slash = createToken({ name: "Slash", pattern: /\//, categories: [MulOp, BinaryOp] });
export const Percent = createToken({ name: "Percent", pattern: /%/, categories: [MulOp, BinaryOp] });
export const DotDot = createToken({ name: "DotDot", pattern: /\.\./ });
export const Dot = createToken({ name: "Dot", pattern: /\./ });
export const Comma = createToken({ name: "Comma", pattern: /,/ });
export const Semicolon = createToken({ name: "Semicolon", pattern: /;/ });
export const Colon = createToken({ name: "Colon", pattern: /:/ });
export const LBrace = createToken({ name: "LBrace", pattern: /\{/ });
export const RBrace = createToken({ name: "RBrace", pattern: /\}/ });
export const LParen = createToken({ name: "LParen", pattern: /\(/ });
export const RParen = createToken({ name: "RParen", pattern: /\)/ });
export const LBracket = createToken({ name: "LBracket", pattern: /\[/ });
export const RBracket = createToken({ name: "RBracket", pattern: /\]/ });

export const allTokens: TokenType[] = [
  WhiteSpace,
  LineComment,
  BlockComment,
  UnterminatedComment,
  // Categories (matched through their members).
  AnyWord,
  Keyword,
  CompareOp,
  AddOp,
  MulOp,
  AssignOp,
  BinaryOp,
  PrefixOp,
  // Multi-character operators before their prefixes.
  HashComment,
  StringLiteral,
  MalformedNumber,
  Arrow,
  EqEq,
  NotEq,
  LessEq,
  GreaterEq,
  PlusEq,
  MinusEq,
  StarEq,
  SlashEq,
  Less,
  Greater,
  Eq,
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
  DotDot,
  Dot,
  Comma,
  Semicolon,
  Colon,
  LBrace,
  RBrace,
  LParen,
  RParen,
  LBracket,
  RBracket,
  Number,
  // Longest keywords first, so `int` is not read as `in` followed by `t`.
  ...[...keywordTokens.values()].sort((a, b) => b.name.length - a.name.length),
  Identifier,
];

/**
 * Builds the lexer; building analyses every pattern. Validation of the token definitions
 * (a third of the cost) is for the tests, which build it with `validate`; the lexer every
 * command uses is built once, without it, so start-up stays cheap.
 */
export function createLexer(options: { validate?: boolean } = {}): Lexer {
  return new Lexer(allTokens, {
    ensureOptimizations: true,
    positionTracking: "onlyOffset",
    skipValidations: !options.validate,
  });
}

export const gameLexer = createLexer();

export function isKeywordToken(type: TokenType): boolean {
  return keywordTokens.get(type.name.toLowerCase()) === type;
}

/** How a token kind reads in a message: `}` rather than `RBrace`. */
const TOKEN_DISPLAY: Record<string, string> = {
  AnyWord: "a name",
  Identifier: "a name",
  Number: "a number",
  CompareOp: "a comparison",
  AddOp: "`+` or `-`",
  MulOp: "`*`, `/` or `%`",
  AssignOp: "`=`, `+=`, `-=`, `*=` or `/=`",
  BinaryOp: "an operator",
  PrefixOp: "`-` or `not`",
  Arrow: "`=>`",
  EqEq: "`==`",
  NotEq: "`!=`",
  LessEq: "`<=`",
  GreaterEq: "`>=`",
  Less: "`<`",
  Greater: "`>`",
  PlusEq: "`+=`",
  MinusEq: "`-=`",
  StarEq: "`*=`",
  SlashEq: "`/=`",
  Eq: "`=`",
  Plus: "`+`",
  Minus: "`-`",
  Star: "`*`",
  Slash: "`/`",
  Percent: "`%`",
  DotDot: "`..`",
  Dot: "`.`",
  Comma: "`,`",
  Semicolon: "`;`",
  Colon: "`:`",
  LBrace: "`{`",
  RBrace: "`}`",
  LParen: "`(`",
  RParen: "`)`",
  LBracket: "`[`",
  RBracket: "`]`",
  EOF: "the end of the file",
};

export function displayTokenType(type: TokenType): string {
  if (keywordTokens.get(type.name.toLowerCase()) === type) return "`" + type.name.toLowerCase() + "`";
  return TOKEN_DISPLAY[type.name] ?? type.name;
}
