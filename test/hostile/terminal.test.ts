import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCheck } from "../../cli/commands/check.js";
import { runPlay } from "../../cli/commands/play.js";
import { printable } from "../../language/text.js";
import { hasUnprintable } from "../support/unprintable.js";

/** Escape sequences a scenario could smuggle into a terminal: a title change (OSC), colours, a bidi override. */
const ESCAPES = "\u001b]0;owned\u0007\u001b[2J\u009b31m\u202e";
const SCENARIO = `game Noisy {
  role player * 2 {
    action a
    action b
    observe self.total + /* ${ESCAPES} */ 0
  }
  payoff {
    a, a => 1, 1
    a, b => 0, 2
    b, a => 2, 0
    b, b => 0.5, 0.5
  }
}
`;
const dir = mkdtempSync(join(tmpdir(), "agora-terminal-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("scenario text reaches the terminal escaped", () => {
  it("printable escapes controls, separators and bidi overrides, and keeps line feeds only where asked", () => {
    expect(printable("a\u001b[31mb")).toBe("a\\u{1b}[31mb");
    expect(printable("x\ny\u2028z\u202e")).toBe("x\\u{a}y\\u{2028}z\\u{202e}");
    expect(printable("x\ny", { multiline: true })).toBe("x\ny");
    expect(printable("ab\u0007c", { sameWidth: true })).toHaveLength(4);
    expect(printable("plain `text` ünïcode")).toBe("plain `text` ünïcode");
  });

  it("agora check: a hostile file name and source line print without control characters", async () => {
    const file = join(dir, `bad${ESCAPES}\n.game`);
    writeFileSync(file, `game G { role p { action a } payoff { a => oops /* ${ESCAPES} */ } }\n`);
    const lines: string[] = [];
    const code = await runCheck(
      [file],
      { format: "text", overrides: new Map(), color: false },
      (s) => lines.push(s),
      (s) => lines.push(s),
    );
    expect(code).toBe(1);
    expect(lines.join("\n")).toContain("oops");
    for (const line of lines) expect(hasUnprintable(line, { multiline: true })).toBe(false);
  });

  it("agora play: observation labels print without control characters", async () => {
    const file = join(dir, "noisy.game");
    writeFileSync(file, SCENARIO);
    const lines: string[] = [];
    async function* input() {
      yield "a";
      yield "q";
    }
    const code = await runPlay(
      file,
      { overrides: new Map(), seed: 1, episodes: 1, backend: "cpu", input: input() },
      (s) => lines.push(s),
      (s) => lines.push(s),
    );
    expect(code).toBe(0);
    expect(lines.join("\n")).toContain("self.total + /*");
    for (const line of lines) expect(hasUnprintable(line, { multiline: true })).toBe(false);
  });
});
