import { isCollection, isMap, isNode, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import type { FieldPath } from './item-rules.js';

/** A parsed YAML (or JSON) text that can tell where each field was written. */
export interface YamlSource {
  /** The plain data (objects, arrays, strings, numbers, booleans). */
  data: unknown;
  /** The 1-based line of the field at `path` (or of the nearest enclosing field that exists). */
  lineOf(path: FieldPath): number;
}

/** A YAML syntax error at a line and column. */
export class YamlSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
    this.name = 'YamlSyntaxError';
  }
}

function keyText(key: unknown): unknown {
  return isScalar(key) ? key.value : key;
}

/** The node's start: a map entry's key when the last path element names one, else the value node. */
function startOf(doc: Document, path: FieldPath): number | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const head = path.slice(0, depth);
    const last = path[depth];
    const node = depth === 0 ? doc.contents : doc.getIn(head, true);
    if (!isNode(node)) continue;
    // A field that is missing, or unknown: point at its key when written, else at the map holding it.
    if (last !== undefined && isMap(node)) {
      const pair = node.items.find((p) => keyText(p.key) === last);
      if (pair && isNode(pair.key) && pair.key.range) return pair.key.range[0];
    }
    if (depth === path.length || isCollection(node)) {
      if (node.range) return node.range[0];
    }
  }
  return undefined;
}

/**
 * Parses YAML 1.2 (JSON is a subset, so a JSON file reads the same) with the maintained `yaml`
 * package, refusing duplicate keys; the first syntax error is thrown as a YamlSyntaxError.
 */
export function parseYamlSource(text: string): YamlSource {
  const lines = new LineCounter();
  // prettyErrors is what fills in linePos; its message's position and excerpt are dropped for ours.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  const first = doc.errors[0];
  if (first) {
    const pos = first.linePos?.[0] ?? { line: 1, col: 1 };
    const message = (first.message.split('\n')[0] ?? first.message).replace(/\s*at line \d+, column \d+:?$/, '');
    throw new YamlSyntaxError(message, pos.line, pos.col);
  }
  return {
    data: doc.toJS({ maxAliasCount: 100 }),
    lineOf: (path) => {
      const at = startOf(doc, path);
      return at === undefined ? 1 : lines.linePos(at).line;
    },
  };
}
