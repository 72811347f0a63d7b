/**
 * YAML text to a plain value, with every syntax problem reported as data (line, column, message) instead of
 * thrown: the parser's own errors, and what only shows when the document is turned into values (an alias
 * `*a` whose anchor `&a` is not set before it, an alias expansion too large to be anything but an attack).
 * The config and topology readers turn these into their own problem codes.
 */
import { LineCounter, parseDocument, visit, type Document } from 'yaml';

export interface YamlProblem {
  /** 1-based, when known. */
  readonly line?: number;
  readonly col?: number;
  /** The message, one line, without the position. */
  readonly message: string;
}

export type YamlResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly problems: readonly YamlProblem[] };

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

/** Aliases whose anchor is not defined before them. */
function unresolvedAliases(doc: Document, lines: LineCounter): YamlProblem[] {
  const out: YamlProblem[] = [];
  visit(doc, {
    Alias(_, node) {
      if (node.resolve(doc) !== undefined) return;
      const pos = node.range === undefined || node.range === null ? undefined : lines.linePos(node.range[0]);
      out.push({
        ...(pos === undefined ? {} : { line: pos.line, col: pos.col }),
        message: `alias *${node.source} refers to no anchor: define &${node.source} before it (or quote the value if "*${node.source}" is meant as text)`,
      });
    },
  });
  return out;
}

export function parseYaml(text: string): YamlResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter: lines });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        return { ...(pos === undefined ? {} : { line: pos.line, col: pos.col }), message: `${e.code}: ${firstLine(e.message)}` };
      }),
    };
  }
  const aliases = unresolvedAliases(doc, lines);
  if (aliases.length > 0) return { ok: false, problems: aliases };
  try {
    return { ok: true, value: doc.toJS() };
  } catch (error) {
    return { ok: false, problems: [{ message: firstLine(error instanceof Error ? error.message : String(error)) }] };
  }
}
