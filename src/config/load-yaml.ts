/**
 * YAML text → one yaml Document with line numbers, refusing what would cost unbounded time or
 * memory: flow nesting deeper than MAX_DEPTH is caught by a streaming lexer pass before the
 * (recursive) composer runs, and more than one document is an error rather than silently ignored.
 */
import { type Document, LineCounter, Lexer, parseAllDocuments } from 'yaml';
import type { Position } from './locate.ts';
import type { Problems } from './problems.ts';

/** Deepest nesting of mappings and lists accepted; the topology itself needs about 6. */
export const MAX_DEPTH = 64;

/** A parsed document and the line index for its offsets. */
export interface ParsedYaml {
  document: Document.Parsed;
  lineCounter: LineCounter;
}

/** Lexer tokens that stand for no source text (document start, flow end, scalar start). */
const SYNTHETIC = new Set(['\x02', '\x18', '\x1f']);

/** Offset of the first `[` or `{` nested deeper than MAX_DEPTH, or -1. Stops early: O(offset). */
export function findDeepFlow(text: string): number {
  let depth = 0;
  let offset = 0;
  for (const token of new Lexer().lex(text)) {
    if (token === '[' || token === '{') {
      if (++depth > MAX_DEPTH) return offset;
    } else if (token === ']' || token === '}') depth--;
    if (!SYNTHETIC.has(token)) offset += token.length;
  }
  return -1;
}

/** Convert a character offset to a 1-based position. */
export function positionOf(lineCounter: LineCounter, offset: number): Position {
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}

/** Parse the text as a single YAML document; problems go to `problems` and yield undefined. */
export function loadYaml(text: string, problems: Problems): ParsedYaml | undefined {
  const lineCounter = new LineCounter();
  const deep = findDeepFlow(text);
  if (deep !== -1) {
    const before = text.slice(0, deep);
    const line = before.split('\n').length;
    const column = deep - before.lastIndexOf('\n');
    const message = `nesting deeper than ${MAX_DEPTH} levels — a topology needs only a few`;
    problems.add({ line, column, path: '(file)', message });
    return undefined;
  }
  const documents = parseAllDocuments(text, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
    merge: false,
    version: '1.2',
  });
  const list = Array.isArray(documents) ? documents : [];
  const first = list[0];
  let failed = false;
  for (const document of list) {
    for (const error of document.errors) {
      failed = true;
      problems.add({
        ...positionOf(lineCounter, error.pos[0]),
        path: '(file)',
        message: describeYamlError(error.code, error.message, text.slice(...error.pos)),
      });
    }
  }
  const second = list[1];
  if (second) {
    failed = true;
    const message = `expected one YAML document, found ${list.length} — remove the "---" separators`;
    problems.add({ ...positionOf(lineCounter, second.range[0]), path: '(file)', message });
  }
  if (!first) {
    const message = 'the file is empty — expected a mapping with project: and services:';
    problems.add({ line: 1, column: 1, path: '(file)', message });
    return undefined;
  }
  if (failed) return undefined;
  return { document: first, lineCounter };
}

/** Turn yaml's error into our wording where it helps (duplicate keys name the key). */
function describeYamlError(code: string, message: string, source: string): string {
  if (code === 'DUPLICATE_KEY')
    return `duplicate key "${source.trim()}" — each key may appear once`;
  return `invalid YAML: ${message.split('\n')[0] ?? message}`;
}
