import { typeToString } from "../semantic/types.js";
import type * as A from "../syntax/ast.js";
import type { Span } from "../text.js";
import { sourceLine } from "./syntax-lookup.js";
import type { GameDocument, Workspace } from "./document.js";
import type { DocumentSymbol, SymbolKindName, WorkspaceSymbol } from "./types.js";

/** The outline: the game, then its declarations; roles hold their actions and state. */
export function getDocumentSymbols(doc: GameDocument): DocumentSymbol[] {
  const game = doc.parsed.ast.game;
  if (!game) return [];
  const model = doc.model;
  const symbol = (
    name: string,
    kind: SymbolKindName,
    span: Span,
    nameSpan: Span,
    detail?: string,
    children: DocumentSymbol[] = [],
  ): DocumentSymbol => ({
    name: name === "" ? "(unnamed)" : name,
    kind,
    detail,
    range: doc.rangeOf(span),
    selectionRange: doc.rangeOf(nameSpan.end > nameSpan.start ? nameSpan : { start: span.start, end: span.start }),
    children,
  });
  const typeText = (ref: A.TypeRef | undefined) => (ref ? ref.name.text : "?");
  const children: DocumentSymbol[] = [];
  for (const item of game.items) {
    switch (item.kind) {
      case "Param":
        children.push(
          symbol(
            item.name.text,
            "param",
            item.span,
            item.name.span,
            `${typeText(item.type)} = ${sourceLine(doc, item.value.span)}${item.range ? ` in ${sourceLine(doc, item.range.span)}` : ""}`,
          ),
        );
        break;
      case "State":
        children.push(symbol(item.name.text, "state", item.span, item.name.span, typeText(item.type)));
        break;
      case "Rule":
        children.push(symbol(item.name.text, "rule", item.span, item.name.span));
        break;
      case "Role": {
        const members: DocumentSymbol[] = [];
        for (const member of item.items) {
          if (member.kind === "Action") {
            const arg = member.argument ? `(${sourceLine(doc, member.argument.span)})` : "";
            members.push(symbol(member.name.text, "action", member.span, member.name.span, arg || undefined));
          } else if (member.kind === "State")
            members.push(symbol(member.name.text, "agentState", member.span, member.name.span, typeText(member.type)));
        }
        const count = model?.roles.find((r) => r.decl === item)?.count;
        children.push(
          symbol(
            item.name.text,
            "role",
            item.span,
            item.name.span,
            count !== undefined ? `* ${count}` : item.count ? `* ${sourceLine(doc, item.count.span)}` : undefined,
            members,
          ),
        );
        break;
      }
      case "Teams":
        for (const name of item.names) children.push(symbol(name.text, "team", item.span, name.span, "team"));
        break;
      case "Phases":
        for (const name of item.names) children.push(symbol(name.text, "phase", item.span, name.span, "phase"));
        break;
      case "Horizon":
        children.push(
          symbol(
            "horizon",
            "horizon",
            item.span,
            { start: item.span.start, end: item.span.start + "horizon".length },
            sourceLine(doc, { start: item.lo.span.start, end: (item.hi ?? item.lo).span.end }),
          ),
        );
        break;
      case "Payoff":
        children.push(
          symbol(
            "payoff",
            "payoff",
            item.span,
            item.keyword,
            `${item.rows.length} row${item.rows.length === 1 ? "" : "s"}`,
          ),
        );
        break;
      case "Step":
        children.push(
          symbol(item.phase ? `step ${item.phase.text}` : "step", "step", item.span, item.phase?.span ?? item.keyword),
        );
        break;
      case "Metric": {
        const type = model?.types.get(item.value);
        children.push(
          symbol(
            item.name.text,
            "metric",
            item.span,
            item.name.span,
            type && type.kind !== "error" ? typeToString(type) : undefined,
          ),
        );
        break;
      }
      case "Bot":
        children.push(symbol(item.name.text, "bot", item.span, item.name.span, `for ${item.role.text}`));
        break;
      case "EndWhen":
        children.push(
          symbol(
            "end when",
            "endWhen",
            item.span,
            { start: item.span.start, end: item.span.start + 3 },
            sourceLine(doc, item.condition.span),
          ),
        );
        break;
      case "Train":
        children.push(symbol("train", "train", item.span, { start: item.span.start, end: item.span.start + 5 }));
        break;
    }
  }
  return [symbol(game.name.text, "game", game.span, game.name.span, undefined, children)];
}

/** The declarations of every open document whose names match the query (case-insensitive, in order). */
export function getWorkspaceSymbols(workspace: Workspace, query: string): WorkspaceSymbol[] {
  const result: WorkspaceSymbol[] = [];
  const q = query.toLowerCase();
  for (const doc of workspace.documents) {
    const visit = (symbols: DocumentSymbol[], container: string | undefined) => {
      for (const s of symbols) {
        const named =
          s.kind !== "step" &&
          s.kind !== "payoff" &&
          s.kind !== "train" &&
          s.kind !== "horizon" &&
          s.kind !== "endWhen";
        if (named && fuzzyMatch(s.name.toLowerCase(), q))
          result.push({
            name: s.name,
            kind: s.kind,
            containerName: container,
            location: { uri: doc.uri, range: s.selectionRange },
          });
        visit(s.children, s.name);
      }
    };
    visit(getDocumentSymbols(doc), undefined);
  }
  return result;
}

/** Whether the query's characters appear in the name in order. */
function fuzzyMatch(name: string, query: string): boolean {
  let i = 0;
  for (const c of name) if (i < query.length && c === query[i]) i++;
  return i === query.length;
}
