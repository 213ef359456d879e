import { describe, expect, it } from "vitest";
import { checkText } from "../language/check.js";
import { gameLexer, RESERVED_WORDS } from "../language/syntax/tokens.js";
import { exampleFiles, languageDocExamples, prng } from "./support/sources.js";

const FALLBACK = `game G {
  param n: int = 3
  teams red, blue
  phases a, b
  rule r { active when round > 2  n = 4 }
  role p * n { action go(x: 0..3) in a when x > 0  action t(u: p) in b when u != self  observe self.total, last(self.action) }
  step a { for q in p { match q.action { go(x) => { q.reward += x } } } }
  step b { if any(q in p where q.team == red) { end } }
  metric m = mean(q in p: q.total)
}
`;

const VOCABULARY = [
  ...RESERVED_WORDS,
  "{",
  "}",
  "(",
  ")",
  "[",
  "]",
  ",",
  ";",
  ":",
  "..",
  ".",
  "=>",
  "==",
  "!=",
  "<=",
  ">=",
  "<",
  ">",
  "=",
  "+=",
  "-=",
  "*=",
  "+",
  "-",
  "*",
  "/",
  "%",
  "0",
  "1.5",
  "1e3",
  "x",
  "self",
  "sum",
  "count",
  "/*",
  "*/",
  "//",
  "\n",
  "#",
  '"',
  "\u00e9",
  "\r\n",
];

type Mutation = (text: string, rand: () => number) => string;

function tokenSpans(text: string): { start: number; end: number }[] {
  return gameLexer.tokenize(text).tokens.map((t) => ({ start: t.startOffset, end: t.startOffset + t.image.length }));
}

const pick = <T>(items: readonly T[], rand: () => number): T => items[Math.floor(rand() * items.length)];

const MUTATIONS: Record<string, Mutation> = {
  deleteToken(text, rand) {
    const spans = tokenSpans(text);
    if (spans.length === 0) return text;
    const s = pick(spans, rand);
    return text.slice(0, s.start) + text.slice(s.end);
  },
  insertToken(text, rand) {
    const spans = tokenSpans(text);
    const at = spans.length ? pick(spans, rand).start : 0;
    return text.slice(0, at) + pick(VOCABULARY, rand) + " " + text.slice(at);
  },
  truncate(text, rand) {
    return text.slice(0, Math.floor(rand() * text.length));
  },
  swapTokens(text, rand) {
    const spans = tokenSpans(text);
    if (spans.length < 2) return text;
    let [a, b] = [pick(spans, rand), pick(spans, rand)];
    if (a.start > b.start) [a, b] = [b, a];
    if (a.end > b.start) return text;
    return (
      text.slice(0, a.start) +
      text.slice(b.start, b.end) +
      text.slice(a.end, b.start) +
      text.slice(a.start, a.end) +
      text.slice(b.end)
    );
  },
  duplicateSlice(text, rand) {
    const from = Math.floor(rand() * text.length);
    const to = Math.min(text.length, from + Math.floor(rand() * 80));
    return text.slice(0, to) + text.slice(from, to) + text.slice(to);
  },
  randomBytes(text, rand) {
    const at = Math.floor(rand() * text.length);
    const junk = Array.from({ length: 1 + Math.floor(rand() * 5) }, () =>
      String.fromCharCode(Math.floor(rand() * 0x2000)),
    ).join("");
    return text.slice(0, at) + junk + text.slice(at);
  },
};

describe("fuzzing the front end with mutated examples", () => {
  const sources = [FALLBACK, ...languageDocExamples().map((b) => b.code), ...exampleFiles().map((e) => e.code)];
  const names = Object.keys(MUTATIONS);
  const ROUNDS = Number(process.env.FUZZ_ROUNDS ?? 3000);

  it(`never throws and keeps every range inside the document (${ROUNDS} mutants)`, () => {
    const rand = prng(20261126);
    let withErrors = 0;
    for (let i = 0; i < ROUNDS; i++) {
      let text = pick(sources, rand);
      const steps = 1 + Math.floor(rand() * 3);
      const applied: string[] = [];
      for (let s = 0; s < steps; s++) {
        const name = pick(names, rand);
        applied.push(name);
        text = MUTATIONS[name](text, rand);
      }
      let doc;
      try {
        doc = checkText(text);
      } catch (error) {
        throw new Error(
          `mutant ${i} (${applied.join(", ")}) threw ${(error as Error).stack}\n--- source ---\n${text}`,
          { cause: error },
        );
      }
      if (doc.diagnostics.some((d) => d.severity === "error")) withErrors++;
      for (const d of doc.diagnostics) {
        const spans = [d.span, ...(d.related ?? []).map((r) => r.span), ...(d.fix ? [d.fix.span] : [])];
        for (const span of spans) {
          if (!(span.start >= 0 && span.start <= span.end && span.end <= text.length)) {
            throw new Error(
              `mutant ${i} (${applied.join(", ")}): ${d.code} "${d.message}" has range ${span.start}..${span.end} outside 0..${text.length}\n--- source ---\n${text}`,
            );
          }
        }
        expect(d.message.length).toBeGreaterThan(0);
      }
    }
    // The mutations must actually break most files, or this test proves little.
    expect(withErrors).toBeGreaterThan(ROUNDS / 2);
  });
});
