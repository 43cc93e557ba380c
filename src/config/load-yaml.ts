/**
 * YAML text → one yaml Document with line numbers, refusing what would cost unbounded time or
 * memory: nesting too deep is caught by a streaming lexer pass before the (recursive) composer
 * runs, and more than one document is an error rather than silently ignored.
 */
import { type Document, LineCounter, Lexer, parseAllDocuments } from 'yaml';
import type { Position } from './locate.ts';
import type { Problems } from './problems.ts';

/** Deepest nesting of mappings and lists accepted; the topology itself needs about 6. */
export const MAX_DEPTH = 64;
/** Deepest indentation accepted, in columns (see findTooDeep). */
export const MAX_INDENT = 256;
/** The message for nesting past MAX_DEPTH (also used by to-value.ts for block nesting). */
export const NESTING_MESSAGE = `nesting deeper than ${MAX_DEPTH} levels — a topology needs only a few`;

/** A parsed document and the line index for its offsets. */
export interface ParsedYaml {
  document: Document.Parsed;
  lineCounter: LineCounter;
}

/** Lexer tokens that stand for no source text (document start, flow end, scalar start). */
const SYNTHETIC = new Set(['\x02', '\x18', '\x1f']);
/** Tokens that open a nested block collection on the same line (`- - x`, `? k`, `: v`). */
const BLOCK_INDICATORS = new Set(['-', '?', ':']);

/**
 * The first place nested too deeply, if any, found by a streaming lexer pass that stops
 * there (O(offset)): a `[`/`{` deeper than MAX_DEPTH, or content indented past MAX_INDENT columns
 * (block nesting needs at least one column per level, so this bounds block depth; yaml's composer
 * recurses per level and overflows the stack near a thousand). Block scalars and comments are
 * single tokens, so a deeply indented `|` text does not count.
 */
export function findTooDeep(text: string): { offset: number; message: string } | undefined {
  let depth = 0;
  let offset = 0;
  let column = 0;
  let lineStart = true;
  for (const token of new Lexer().lex(text)) {
    if (SYNTHETIC.has(token)) continue;
    if (token === '\n' || token === '\r\n') {
      lineStart = true;
      column = 0;
    } else if (token === '[' || token === '{') {
      if (++depth > MAX_DEPTH) return { offset, message: NESTING_MESSAGE };
    } else if (token === ']' || token === '}') depth--;
    if (lineStart && token !== '\n' && token !== '\r\n') {
      if (/^ +$/.test(token) || BLOCK_INDICATORS.has(token)) column += token.length;
      else if (token.startsWith('#')) lineStart = false;
      else {
        if (column > MAX_INDENT) {
          const message = `indented more than ${MAX_INDENT} columns — a topology nests only a few levels`;
          return { offset, message };
        }
        lineStart = false;
      }
    }
    offset += token.length;
  }
  return undefined;
}

/** Convert a character offset to a 1-based position. */
export function positionOf(lineCounter: LineCounter, offset: number): Position {
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}

/** Parse the text as a single YAML document; problems go to `problems` and yield undefined. */
export function loadYaml(text: string, problems: Problems): ParsedYaml | undefined {
  const lineCounter = new LineCounter();
  const deep = findTooDeep(text);
  if (deep) {
    const before = text.slice(0, deep.offset);
    const line = before.split('\n').length;
    const column = deep.offset - before.lastIndexOf('\n');
    problems.add({ line, column, path: '(file)', message: deep.message });
    return undefined;
  }
  const documents = parseAllDocuments(text, {
    lineCounter,
    prettyErrors: false,
    // yaml's own duplicate-key check is quadratic (20 000 keys: seconds); to-value.ts does it
    // with a Set per mapping instead.
    uniqueKeys: false,
    merge: false,
    version: '1.2',
  });
  const list = Array.isArray(documents) ? documents : [];
  const first = list[0];
  let failed = false;
  for (const document of list) {
    // After the first syntax error the parser's view of the rest is guesswork: its later
    // errors are mostly echoes of the first, so only the first is reported.
    for (const error of document.errors.slice(0, 1)) {
      failed = true;
      problems.add({
        ...positionOf(lineCounter, error.pos[0]),
        path: '(file)',
        message: describeYamlError(error.message),
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

/** yaml's message, first line only (the rest is a source excerpt we point at instead). */
function describeYamlError(message: string): string {
  return `invalid YAML: ${message.split('\n')[0] ?? message}`;
}
