import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkText } from "../language/check.js";
import { formatText, formatTextDetailed } from "../language/format.js";
import { parse } from "../language/syntax/parse.js";
import { runFmt } from "../cli/commands/fmt.js";
import { exampleFiles, languageDocExamples, prng, repoRoot } from "./support/sources.js";

/** What must survive formatting: diagnostics (codes, in order), symbols, and every comment. */
function meaning(text: string) {
  const checked = checkText(text);
  return {
    codes: checked.diagnostics.map((d) => d.code),
    symbols: checked.model?.symbols.map(
      (s) => `${s.kind} ${s.role ?? ""}.${s.name}: ${JSON.stringify(s.type)} ${s.doc ?? ""}`,
    ),
    comments: parse(text)
      .ast.comments.map((c) => c.text)
      .sort(),
  };
}
/** The program's characters, less whitespace and the `;` separators the formatter drops. */
const ink = (text: string) => [...text.replace(/[\s;]/g, "")].sort().join("");

describe("formatText on every example and every game block of docs/language.md", () => {
  const sources = [
    ...exampleFiles().map((e) => ({ name: e.name, code: e.code })),
    ...languageDocExamples().map((b) => ({ name: `docs/language.md:${b.line}`, code: b.code })),
  ];
  it("has sources to format", () => expect(sources.length).toBeGreaterThan(10));
  for (const { name, code } of sources) {
    it(`${name}: formats, is idempotent, keeps the meaning, the comments and the text`, () => {
      const result = formatTextDetailed(code);
      expect(result.status).toBe("formatted");
      const once = result.text;
      expect(formatText(once)).toBe(once);
      expect(meaning(once)).toEqual(meaning(code));
      // Comments outside payoff rows are kept verbatim and in order, and nothing but layout changed.
      expect(parse(once).ast.comments.map((c) => c.text)).toEqual(parse(code).ast.comments.map((c) => c.text));
      expect(ink(once)).toBe(ink(code));
      // The layout rules that can be checked line by line.
      for (const line of once.split("\n")) {
        expect(line).not.toMatch(/\s$/);
        expect(line).not.toMatch(/^\t/);
        // Two spaces a level; only a line lined up under what it continues may be odd.
        if (
          /^ *(}|(game|param|role|action|state|observe|objective|rule|step|bot|metric|payoff|train|for|if|let|match|play)\b)/.test(
            line,
          )
        )
          expect(line.match(/^ */)![0].length % 2).toBe(0);
      }
      expect(once.endsWith("}\n") || once.endsWith("\n")).toBe(true);
      expect(once).not.toMatch(/\n\n\n/);
    });
  }

  it("leaves an already canonical file as it is", () => {
    const pd = exampleFiles().find((e) => e.name === "prisoners_dilemma.game")!.code;
    expect(formatText(pd)).toBe(pd);
  });

  it("finds the games of docs/language.md in the layout it gives them", () => {
    for (const block of languageDocExamples())
      expect(formatText(block.code), `docs/language.md:${block.line}`).toBe(block.code);
  });
});

describe("formatText layout", () => {
  it("puts one item per line, spaces operators, and expands blocks written over several lines", () => {
    const source =
      "game G{param n:int=2;param k : real=-1.5  in -2.0..-1.0\n  role p*n{action a action b(x:0..n-1)when x>-1 and not(x==0)\n}\n  step{if round==0{end}else if round>1{ }else{for q in p{q.reward+=(1+2)*3\n}}}\n}";
    expect(formatText(source)).toBe(`game G {
  param n: int = 2
  param k: real = -1.5 in -2.0..-1.0
  role p * n {
    action a
    action b(x: 0..n - 1) when x > -1 and not (x == 0)
  }
  step {
    if round == 0 { end } else if round > 1 { } else {
      for q in p {
        q.reward += (1 + 2) * 3
      }
    }
  }
}
`);
  });

  it("keeps a block written on one line on one line, two spaces between its statements", () => {
    const source =
      "game G {\n  role p{action a;action b}\n  bot b for p {play a}\n  step {\n    for q in p{if q.action==a{q.reward+=1;q.reward*=2}else{end}}\n  }\n}\n";
    expect(formatText(source)).toBe(`game G {
  role p { action a  action b }
  bot b for p { play a }
  step {
    for q in p { if q.action == a { q.reward += 1  q.reward *= 2 } else { end } }
  }
}
`);
  });

  it("keeps an `else` where the author put it after a one-line block, and joins `} else` after a longer one", () => {
    const source =
      "game G {\n  role p { action a }\n  step {\n    if round == 0 { end }\n    else if round == 1 { end }\n    else { end }\n    if round > 2 {\n      end\n    }\n    else { end }\n  }\n}\n";
    expect(formatText(source)).toBe(`game G {
  role p { action a }
  step {
    if round == 0 { end }
    else if round == 1 { end }
    else { end }
    if round > 2 {
      end
    } else { end }
  }
}
`);
  });

  it("lines up the `=>` of one-line match arms", () => {
    const source =
      "game G {\n  role p { action give(x: 0..2)  action punish(t: p)  action idle }\n  step {\n    for q in p {\n      match q.action {\n        give(x) => { q.reward -= x }\n        punish(t) => { t.reward -= 1  q.reward -= 1 }\n        idle      =>   { }\n      }\n    }\n  }\n}\n";
    expect(formatText(source)).toBe(`game G {
  role p { action give(x: 0..2)  action punish(t: p)  action idle }
  step {
    for q in p {
      match q.action {
        give(x)   => { q.reward -= x }
        punish(t) => { t.reward -= 1  q.reward -= 1 }
        idle      => { }
      }
    }
  }
}
`);
  });

  it("aligns payoff rows in columns, numbers to the right", () => {
    const source =
      "game G {\n  role p * 2 { action a  action bb }\n  payoff { a,a=>1,1 a,bb=>0,10\n bb , a => 10 , 0;bb,bb=>-1,-1 }\n}\n";
    expect(formatText(source)).toBe(`game G {
  role p * 2 { action a  action bb }
  payoff {
    a,  a  =>  1,  1
    a,  bb =>  0, 10
    bb, a  => 10,  0
    bb, bb => -1, -1
  }
}
`);
  });

  it("aligns a column of numbers with decimals on the point, and any other column to the left", () => {
    const source =
      "game G {\n  param r: real = 1\n  role p * 2 { action x  action y }\n  payoff {\n    x, x => 1.5, r\n    x, y => -10, 2.25\n    y, x => 0.125, -r\n    y, y => 3, 1\n  }\n}\n";
    expect(formatText(source)).toBe(`game G {
  param r: real = 1
  role p * 2 { action x  action y }
  payoff {
    x, x =>   1.5,   r
    x, y => -10,     2.25
    y, x =>   0.125, -r
    y, y =>   3,     1
  }
}
`);
  });

  it("keeps every comment where it was: own line, after code, inside a line", () => {
    const source = `// lead



game G {   // after the brace
  // above n
  param n: int = 2 // after n
  role p * n { /* inline */ action a
    // last in role
  }
  step {
    let x = 1 + /* why */ 2
    if x > 0 { x += 1 }
    // about the else
    else { x -= 1 }
  }
}
/* trailing
   block */
`;
    expect(formatText(source)).toBe(`// lead

game G { // after the brace
  // above n
  param n: int = 2 // after n
  role p * n { /* inline */
    action a
    // last in role
  }
  step {
    let x = 1 + /* why */ 2
    if x > 0 { x += 1 }
    // about the else
    else { x -= 1 }
  }
}
/* trailing
   block */
`);
  });

  it("keeps the author's line breaks inside an expression, indented one level more", () => {
    const source =
      "game G {\n  role p { action a\n  observe round,\n            self.total,   self.index }\n  metric m = if round > 0\n     then 1 else 0\n}\n";
    expect(formatText(source)).toBe(
      "game G {\n  role p {\n    action a\n    observe round,\n      self.total, self.index\n  }\n  metric m = if round > 0\n    then 1 else 0\n}\n",
    );
  });

  it("keeps a continuation lined up under the list item or operand it continues, where the author lined it up", () => {
    const source = `game G {
role p {
    action a
      observe round,
              self.total,
              // the index
              self.index
objective self.reward
          + round
          - 1
}
    metric m = if round > 0
                  or round < 0 then 1 else 0
}
`;
    expect(formatText(source)).toBe(`game G {
  role p {
    action a
    observe round,
            self.total,
            // the index
            self.index
    objective self.reward
              + round
              - 1
  }
  metric m = if round > 0
                or round < 0 then 1 else 0
}
`);
  });

  it("keeps `//` comments after code in a column where the author lined them up", () => {
    const source =
      "game G {\n  role p {\n    action a\n    observe round,            // the round\n      self.total   + 1,       // the total\n      self.index              // the index\n  }\n  param k: int = 1      // alone: one space\n}\n";
    expect(formatText(source)).toBe(
      "game G {\n  role p {\n    action a\n    observe round,            // the round\n      self.total + 1,         // the total\n      self.index              // the index\n  }\n  param k: int = 1 // alone: one space\n}\n",
    );
  });

  it("keeps at most one blank line, none just inside braces", () => {
    const source =
      "game G {\n\n\n  param a: int = 1\n\n\n\n  param b: int = 2\n  role p { action x observe a, b }\n\n}\n";
    expect(formatText(source)).toBe(
      "game G {\n  param a: int = 1\n\n  param b: int = 2\n  role p { action x  observe a, b }\n}\n",
    );
  });

  it("keeps CRLF line endings and a byte order mark", () => {
    const source = "\ufeffgame G {\r\n  role p {action a\r\n}\r\n}\r\n";
    expect(formatText(source)).toBe("\ufeffgame G {\r\n  role p {\r\n    action a\r\n  }\r\n}\r\n");
  });

  it("returns text with syntax errors unchanged", () => {
    for (const broken of [
      "game G {\n  param n:int=\n}",
      "game G { role p { action a } ",
      "",
      'game G { metric m = "s" }',
      "game G { } game H { }",
    ]) {
      expect(formatTextDetailed(broken)).toEqual({ text: broken, status: "syntaxErrors" });
    }
  });

  it("formats text that only fails to check (type and name errors)", () => {
    const source = "game G {\n  role p {action a}\n  metric m = unknown+true\n}\n";
    expect(formatTextDetailed(source)).toEqual({
      text: "game G {\n  role p { action a }\n  metric m = unknown + true\n}\n",
      status: "formatted",
    });
  });

  it("never turns a comment into a declaration's doc, or one out of it", () => {
    const source =
      "game G { // note\n\n  param n: int = 2\n  /* doc of k */ param k: int = n\n  role p { action a observe k }\n}\n";
    const formatted = formatText(source);
    const docs = (text: string) => parse(text).ast.game!.items.map((i) => ("doc" in i ? i.doc : undefined));
    expect(docs(formatted)).toEqual(docs(source));
    expect(docs(source)).toEqual([undefined, "doc of k", undefined]);
    // A `;` kept a comment off the declaration below it; dropped, a blank line does that.
    const separated = "game G {\n  // not a doc\n  ;param n: int = 2\n  role p { action a observe n }\n}\n";
    expect(formatText(separated)).toBe(
      "game G {\n  // not a doc\n\n  param n: int = 2\n  role p { action a  observe n }\n}\n",
    );
    expect(docs(formatText(separated))).toEqual(docs(separated));
  });
});

describe("formatText on examples with their layout scrambled", () => {
  it("formats whatever whitespace, comments and `;` were added: idempotent, same meaning, nothing refused", () => {
    const rand = prng(5);
    const texts = exampleFiles().map((e) => e.code);
    const inserts = [" ", "\n", "\n\n\n", "// c\n", "/* k */", "/* multi\n line */", ";", "\t", "  // x\n\n"];
    const images = (t: string) =>
      parse(t)
        .tokens.filter((x) => x.image !== ";")
        .map((x) => x.image)
        .join(" ");
    for (let round = 0; round < 120; round++) {
      let text = texts[Math.floor(rand() * texts.length)];
      const original = images(text);
      for (let e = 0; e < 6; e++) {
        const tokens = parse(text).tokens;
        const t = tokens[Math.floor(rand() * tokens.length)];
        const at = rand() < 0.5 ? t.startOffset : t.startOffset + t.image.length;
        let candidate: string;
        if (rand() < 0.3) {
          // Remove the whitespace around a token boundary (where that keeps the tokens).
          let a = at;
          let b = at;
          while (a > 0 && /[ \t]/.test(text[a - 1])) a--;
          while (b < text.length && /\s/.test(text[b])) b++;
          candidate = text.slice(0, a) + text.slice(b);
        } else candidate = text.slice(0, at) + inserts[Math.floor(rand() * inserts.length)] + text.slice(at);
        if (images(candidate) === original && parse(candidate).diagnostics.length === 0) text = candidate;
      }
      const result = formatTextDetailed(text);
      expect(result.status).toBe("formatted");
      expect(formatText(result.text)).toBe(result.text);
      expect(meaning(result.text)).toEqual(meaning(text));
      expect(ink(result.text)).toBe(ink(text));
    }
  });
});

describe("agora fmt", () => {
  const dir = mkdtempSync(join(tmpdir(), "agora-fmt-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = (paths: string[], check: boolean) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = runFmt(
      paths,
      { check },
      (s) => out.push(s),
      (s) => err.push(s),
    );
    return { code, out, err };
  };
  const messy = "game G {\n  role p {action a}\n}\n";
  const tidy = formatText(messy);

  it("with --check, lists the files that are not formatted, writes nothing, and fails", () => {
    const folder = join(dir, "check");
    mkdirSync(folder);
    writeFileSync(join(folder, "a.game"), messy);
    writeFileSync(join(folder, "b.game"), tidy);
    const result = run([folder], true);
    expect(result.code).toBe(1);
    expect(result.out).toEqual([join(folder, "a.game")]);
    expect(result.err).toEqual(["1 file of 2 not formatted (run `agora fmt` to format it)"]);
    expect(readFileSync(join(folder, "a.game"), "utf8")).toBe(messy);
    expect(run([join(folder, "b.game")], true)).toEqual({ code: 0, out: [], err: [] });
  });

  it("formats files in place and succeeds", () => {
    const file = join(dir, "write.game");
    writeFileSync(file, messy);
    const result = run([file], false);
    expect(result).toEqual({ code: 0, out: [`formatted ${file}`, "formatted 1 file of 1"], err: [] });
    expect(readFileSync(file, "utf8")).toBe(tidy);
    expect(run([file], false)).toEqual({ code: 0, out: ["1 file already formatted"], err: [] });
  });

  it("leaves files with syntax errors alone and reports them and unreadable paths, without a stack trace", () => {
    const broken = join(dir, "broken.game");
    writeFileSync(broken, "game G { role p { action a }\n");
    const missing = join(dir, "missing.game");
    const result = run([broken, missing], false);
    expect(result.code).toBe(1);
    expect(result.err).toEqual([
      `error: ${missing}: no such file or folder`,
      `error: ${broken}: has syntax errors, so it was not formatted (run \`agora check ${broken}\`)`,
    ]);
    expect(readFileSync(broken, "utf8")).toBe("game G { role p { action a }\n");
    expect(run([join(dir, "empty-folder-that-does-not-exist")], true).code).toBe(1);
  });

  it("finds every shipped example formatted (`agora fmt --check examples/`)", () => {
    expect(run([join(repoRoot, "examples")], true)).toEqual({ code: 0, out: [], err: [] });
  });

  it("reports a file it cannot read", () => {
    if (process.getuid?.() === 0) return; // root reads anything
    const locked = join(dir, "locked.game");
    writeFileSync(locked, messy);
    chmodSync(locked, 0o000);
    const result = run([locked], false);
    expect(result.code).toBe(1);
    expect(result.err).toEqual([`error: ${locked}: permission denied`]);
  });
});
