import { analyzeNormalForm, type AnalysisReport, type AnalyzeOptions } from "./analyze.js";
import { numProfiles, type NormalForm } from "./normal-form.js";
import { Q } from "./rational.js";

/**
 * Gambit's strategic-game file format (`.nfg`, version 1).
 *
 * `writeNfg` writes the *outcome version*, which keeps strategy names: the prologue
 * (`NFG 1 R "title" { players }` and one list of strategy names per player), then one
 * outcome per profile (`{ "" u1, u2, ... }`), then the outcome number of every profile with
 * the first player's strategy changing fastest. Payoffs are written exactly: decimals
 * where the value has a finite decimal expansion, `p/q` otherwise (Gambit reads both).
 *
 * `parseNfg` reads both the outcome version and the *payoff version*
 * (`NFG 1 R "title" { players } { 2 2 }` then the payoff of every player for each profile,
 * first player fastest); strategies of a payoff-version file are named `1`, `2`, ...
 */

function quote(s: string): string {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

function number(q: Q): string {
  return q.toDecimalString();
}

/** Our profile index (player 0 slowest) of the NFG profile number k (player 1 fastest). */
function fromGambitOrder(sizes: readonly number[], k: number): number {
  const actions = new Array<number>(sizes.length);
  for (let p = 0; p < sizes.length; p++) {
    actions[p] = k % sizes[p];
    k = Math.floor(k / sizes[p]);
  }
  let index = 0;
  for (let p = 0; p < sizes.length; p++) index = index * sizes[p] + actions[p];
  return index;
}

export function writeNfg(game: NormalForm): string {
  const total = numProfiles(game.sizes);
  const lines: string[] = [];
  lines.push(`NFG 1 R ${quote(game.name)} { ${game.players.map((p) => quote(p.name)).join(" ")} }`);
  lines.push("");
  lines.push("{");
  for (const p of game.players) lines.push(`{ ${p.actions.map(quote).join(" ")} }`);
  lines.push("}");
  lines.push(
    quote(
      `written by agora analyze from ${game.source === "payoff_table" ? "the payoff table" : game.source === "step_enumeration" ? "the enumerated step" : "a normal form"}${game.exact ? "" : ` (payoffs are means over ${game.samples} samples)`}`,
    ),
  );
  lines.push("");
  lines.push("{");
  const order: number[] = [];
  for (let k = 0; k < total; k++) {
    const i = fromGambitOrder(game.sizes, k);
    order.push(i);
    lines.push(`{ "" ${game.payoffs.map((row) => number(row[i])).join(", ")} }`);
  }
  lines.push("}");
  lines.push(order.map((_, k) => String(k + 1)).join(" "));
  return lines.join("\n") + "\n";
}

type Token = { kind: "string" | "word" | "{" | "}" | ","; text: string; offset: number };

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "{" || c === "}" || c === ",") {
      out.push({ kind: c, text: c, offset: i });
      i++;
      continue;
    }
    if (c === '"') {
      let s = "";
      const start = i++;
      for (;;) {
        if (i >= text.length) throw new NfgError("unterminated string", start);
        const d = text[i++];
        if (d === "\\" && i < text.length) s += text[i++];
        else if (d === '"') break;
        else s += d;
      }
      out.push({ kind: "string", text: s, offset: start });
      continue;
    }
    const start = i;
    while (i < text.length && !/[\s{}",]/.test(text[i])) i++;
    out.push({ kind: "word", text: text.slice(start, i), offset: start });
  }
  return out;
}

export class NfgError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} (at offset ${offset})`);
  }
}

/** Parses a Gambit `.nfg` file (outcome or payoff version) into a normal form. */
export function parseNfg(text: string): NormalForm {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = () => tokens[pos];
  const next = (kind?: Token["kind"], what?: string): Token => {
    const t = tokens[pos];
    if (!t) throw new NfgError(`unexpected end of file${what ? `, expected ${what}` : ""}`, text.length);
    if (kind && t.kind !== kind) throw new NfgError(`expected ${what ?? kind}, found \`${t.text}\``, t.offset);
    pos++;
    return t;
  };
  const num = (what: string): Q => {
    const t = next("word", what);
    try {
      return Q.parse(t.text.startsWith(".") || t.text.startsWith("-.") ? t.text.replace(".", "0.") : t.text);
    } catch {
      throw new NfgError(`expected ${what}, found \`${t.text}\``, t.offset);
    }
  };
  if (next("word", "NFG").text !== "NFG") throw new NfgError("not an NFG file: it must start with `NFG`", 0);
  const version = next("word", "the version number");
  if (version.text !== "1") throw new NfgError(`unsupported NFG version ${version.text}`, version.offset);
  next("word", "R or D");
  const title = next("string", "the title").text;
  next("{", "the list of players");
  const playerNames: string[] = [];
  while (peek()?.kind === "string") playerNames.push(next().text);
  next("}", "`}` after the players");
  next("{", "the strategies");
  let strategies: string[][];
  let outcomeVersion: boolean;
  if (peek()?.kind === "{") {
    outcomeVersion = true;
    strategies = [];
    while (peek()?.kind === "{") {
      next();
      const names: string[] = [];
      while (peek()?.kind === "string") names.push(next().text);
      next("}", "`}` after a player's strategies");
      strategies.push(names);
    }
    next("}", "`}` after the strategies");
  } else {
    outcomeVersion = false;
    const counts: number[] = [];
    while (peek()?.kind === "word") counts.push(Number(next().text));
    next("}", "`}` after the strategy counts");
    strategies = counts.map((n) => Array.from({ length: n }, (_, k) => String(k + 1)));
  }
  if (strategies.length !== playerNames.length)
    throw new NfgError(`${playerNames.length} players but ${strategies.length} strategy lists`, tokens[pos - 1].offset);
  if (peek()?.kind === "string") next(); // the comment
  const sizes = strategies.map((s) => s.length);
  const total = numProfiles(sizes);
  const N = sizes.length;
  const payoffs: Q[][] = sizes.map(() => new Array<Q>(total).fill(Q.ZERO));
  if (outcomeVersion) {
    next("{", "the list of outcomes");
    const outcomes: Q[][] = [];
    while (peek()?.kind === "{") {
      next();
      if (peek()?.kind === "string") next();
      const values: Q[] = [];
      while (peek() && peek().kind !== "}") {
        if (peek().kind === ",") {
          next();
          continue;
        }
        values.push(num("a payoff"));
      }
      next("}", "`}` after an outcome");
      if (values.length !== N)
        throw new NfgError(`an outcome has ${values.length} payoffs for ${N} players`, tokens[pos - 1].offset);
      outcomes.push(values);
    }
    next("}", "`}` after the outcomes");
    for (let k = 0; k < total; k++) {
      const t = next("word", "an outcome number");
      const o = Number(t.text);
      if (!Number.isInteger(o) || o < 0 || o > outcomes.length)
        throw new NfgError(`outcome number ${t.text} is out of range`, t.offset);
      const i = fromGambitOrder(sizes, k);
      for (let p = 0; p < N; p++) payoffs[p][i] = o === 0 ? Q.ZERO : outcomes[o - 1][p];
    }
  } else {
    for (let k = 0; k < total; k++) {
      const i = fromGambitOrder(sizes, k);
      for (let p = 0; p < N; p++) {
        if (peek()?.kind === ",") next();
        payoffs[p][i] = num("a payoff");
      }
    }
  }
  if (pos < tokens.length) throw new NfgError(`unexpected \`${tokens[pos].text}\` after the game`, tokens[pos].offset);
  return {
    name: title,
    players: playerNames.map((name, p) => ({
      role: name,
      index: p,
      name,
      actions: strategies[p],
      flat: strategies[p].map((_, k) => k),
    })),
    sizes,
    payoffs,
    source: "nfg",
    exact: true,
    notes: [],
    precision: { exact: true, reasons: [], float32: [] },
  };
}

/**
 * `agora analyze game.nfg`: the analysis of a Gambit file's game, its payoffs read exactly
 * as written (decimals and `p/q` as rationals). An error message for a malformed file.
 */
export function analyzeNfgText(
  text: string,
  options: AnalyzeOptions = {},
): { ok: true; report: AnalysisReport; game: NormalForm } | { ok: false; error: string } {
  let game: NormalForm;
  try {
    game = parseNfg(text);
  } catch (error) {
    if (error instanceof NfgError) return { ok: false, error: error.message };
    throw error;
  }
  if (game.players.length === 0 || game.sizes.some((n) => n === 0))
    return { ok: false, error: "the game has no players or a player without strategies" };
  return { ok: true, report: analyzeNormalForm(game, options), game };
}
