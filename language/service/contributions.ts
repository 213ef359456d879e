/**
 * Contributions: how layers above the language (the game analysis) add to the service's
 * answers without the language depending on them, as vscode-json-languageservice takes
 * `contributions` and rust-analyzer's IDE crate takes plain data. A contribution returns
 * plain data (spans and markdown, no protocol types); the service merges it into its own
 * answers, and a contribution that throws is skipped, so the service still never throws.
 */
import type { Diagnostic } from "../diagnostics.js";
import type { Span } from "../text.js";
import type { GameDocument } from "./document.js";

/** A line of text above a span that runs a command when clicked (an editor's code lens). */
export interface ContributedLens {
  span: Span;
  title: string;
  /** The command a client runs on a click, such as `agora.analyze`. */
  command: string;
}

export interface ServiceContribution {
  /** For logs and tests. */
  readonly name: string;
  /** Diagnostics beyond the checker's, for one version (cache with `doc.memo`). */
  diagnostics?(doc: GameDocument): Diagnostic[];
  /** Markdown to show on hover at an offset, below the service's own, with the span it is about. */
  hover?(doc: GameDocument, offset: number): { contents: string; span: Span } | undefined;
  codeLenses?(doc: GameDocument): ContributedLens[];
}

/** Each contribution's answer, skipping any that throws or answers nothing. */
export function collect<T>(doc: GameDocument, ask: (c: ServiceContribution) => T | undefined): T[] {
  const answers: T[] = [];
  for (const contribution of doc.contributions) {
    try {
      const answer = ask(contribution);
      if (answer !== undefined) answers.push(answer);
    } catch {
      // A contribution is an extra: its failure must not cost the user the service's own answer.
    }
  }
  return answers;
}
