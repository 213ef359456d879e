import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";
import { checkText, MAX_ERRORS } from "../../language/check.js";
import { DiagnosticCode } from "../../language/diagnostics.js";

const dir = mkdtempSync(join(tmpdir(), "agora-numbers-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function scenario(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

async function agora(...args: string[]) {
  const lines: string[] = [];
  const code = await main(args, { out: (s) => lines.push(s), err: (s) => lines.push(s) });
  return { code, output: lines.join("\n") };
}

const game = (params: string, payoff = "T, 1") => `game G {
  ${params}
  role player * 2 {
    action a
  }
  payoff {
    a, a => ${payoff}
  }
}
`;

describe("non-finite and out-of-range numbers are errors", () => {
  it.each([
    ["param T: real = 1e309", "T, 1", DiagnosticCode.NotFinite, 1, "`1e309` is too large for a real"],
    ["param T: real = 1e39", "T, 1", DiagnosticCode.NotFinite, 1, "`1e39` is too large for a real"],
    ["param T: real = 3", "1e309 - 1e309, T", DiagnosticCode.NotFinite, 2, "`1e309` is too large for a real"],
    ["param T: real = 3", "T * 1e38 * 1e38, T", DiagnosticCode.NotFinite, 1, "not a finite number"],
    ["param T: real = 3e38 * 2", "T, 1", DiagnosticCode.NotFinite, 1, "not a finite number"],
    ["param T: real = exp(89)", "T, 1", DiagnosticCode.NotFinite, 1, "not a finite number"],
    ["param T: int = 2147483648", "T, 1", DiagnosticCode.IntOutOfRange, 1, "outside the int range"],
  ])("`%s` with payoff `%s`: %s (%i)", async (params, payoff, code, count, message) => {
    const { diagnostics } = checkText(game(params, payoff));
    const found = diagnostics.filter((d) => d.code === code);
    expect(found).toHaveLength(count);
    expect(found[0].message).toContain(message);
    const file = scenario("g.game", game(params, payoff));
    const result = await agora("check", file);
    expect(result.code).toBe(1);
    expect(result.output).toContain(`error[${code}]`);
  });

  it("the largest int and float32 values are fine", () => {
    expect(
      checkText(game("param T: real = 3.4e38  param n: int = 2147483647", "T, n")).diagnostics.filter(
        (d) => d.severity === "error",
      ),
    ).toEqual([]);
  });

  it.each([
    [["--set", "T=1e309"], 2, "--set T=1e309: 1e309 is not a finite number"],
    [["--set", "T=1e39"], 2, "--set T=1e39: 1e39 is not a finite number"],
    [["--set", "n=1e20"], 1, "--set n: 100000000000000000000 is outside the int range"],
  ])("agora check %j: %s", async (args, code, message) => {
    const file = scenario("s.game", game("param T: real = 1  param n: int = 2", "T, n"));
    const result = await agora("check", file, ...args);
    expect(result.code).toBe(code);
    expect(result.output).toContain(message);
  });
});

describe("sizes beyond what later stages handle are refused up front", () => {
  it("a role count set to 1e20 or 100000 is an error, not a V8 crash", async () => {
    const file = scenario("n.game", "game N {\n  param n: int = 2\n  role player * n {\n    action a\n  }\n}\n");
    expect((await agora("check", file, "--set", "n=1e20")).output).toContain("outside the int range");
    const result = await agora("check", file, "--set", "n=100000");
    expect(result.code).toBe(1);
    expect(result.output).toContain("error[E0410]: role `player` has 100000 agents; the limit is 10000 per role");
  });

  it("an action argument with a million values is an error", () => {
    const { diagnostics } = checkText("game A {\n  role p {\n    action give(x: 0..1000000)\n  }\n}\n");
    expect(diagnostics.map((d) => d.code)).toContain(DiagnosticCode.SizeLimit);
  });

  it.each([
    [["--lr", "1e308"], "--lr 1e308: too large"],
    [["--lr", "Infinity"], "--lr takes a positive number"],
    [["--entropy", "1e39"], "--entropy 1e39: too large"],
    [["--envs", "100000000"], "--envs 100000000: too large (at most 100,000)"],
    [["--rollout", "1000000000"], "--rollout 1000000000: too large"],
    [["--hidden", "1e9"], "--hidden takes sizes such as 64,64"],
    [["--hidden", "1000000000"], "--hidden 1000000000: at most 4096 units per layer"],
    [["--hidden", "8,8,8,8,8,8,8,8,8"], "at most 8 layers"],
  ])("agora train %j: refused before anything runs", async (args, message) => {
    const file = scenario("t.game", game("param T: real = 1"));
    const out = join(dir, "run-" + args.join("").replace(/\W/g, ""));
    const result = await agora("train", file, "--out", out, ...args);
    expect(result.code).toBe(2);
    expect(result.output).toContain(message);
  });
});

describe("seeds are whole numbers", () => {
  it.each([["train"], ["eval"], ["play"]])("agora %s --seed 1e400 / abc: refused", async (command) => {
    const file = scenario("seed.game", game("param T: real = 1"));
    for (const seed of ["abc", "1e400", "99999999999999999999"]) {
      const result = await agora(command, file, "--seed", seed);
      expect(result.code).toBe(2);
      expect(result.output).toContain(`--seed takes a whole number, got \`${seed}\``);
    }
  });
});

describe("memory estimated up front", () => {
  it("agora train refuses copies x rollout that cannot fit, with the estimate, before creating a run folder", async () => {
    const file = scenario("m.game", game("param T: real = 1"));
    const out = join(dir, "run-memory");
    const result = await agora("train", file, "--out", out, "--envs", "100000", "--rollout", "100000");
    expect(result.code).toBe(1);
    expect(result.output).toMatch(
      /100000 copies x 100000 steps of 2 player need about [0-9.]+ GB for the rollout alone \(limit 4\.0 GB\)/,
    );
    expect(existsSync(out)).toBe(false);
  });
});

describe("too many errors", () => {
  it(`a pasted garbage line stops at ${MAX_ERRORS} errors with one E0009`, () => {
    const garbage = "1 + $ ".repeat(2000);
    const { diagnostics } = checkText(`game G {\n  role p { action a }\n  metric m = ${garbage}\n}\n`);
    const errors = diagnostics.filter((d) => d.severity === "error");
    expect(errors.length).toBe(MAX_ERRORS + 1);
    expect(diagnostics.at(-1)!.code).toBe(DiagnosticCode.TooManyErrors);
    expect(diagnostics.at(-1)!.message).toMatch(
      /^too many errors: 1000 are shown, \d+ more diagnostics? from here on are not$/,
    );
  });

  it("a file with fewer errors reports them all", () => {
    const { diagnostics } = checkText("game G {\n  role p { action a }\n  metric m = x1 + x2 + x3\n}\n");
    expect(diagnostics.filter((d) => d.code === DiagnosticCode.UnknownName)).toHaveLength(3);
  });
});
