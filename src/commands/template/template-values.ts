import { RegctlError } from '../../errors.js';

/**
 * A Go map in template data: `.key` looks a key up (a missing one prints `<no value>`), it prints as
 * `map[k:v …]` with sorted keys, and `json` writes it as an object.
 */
export class GoMap {
  readonly entries: ReadonlyMap<string, unknown>;

  constructor(record: Record<string, unknown> | undefined | null) {
    this.entries = new Map(Object.entries(record ?? {}));
  }

  /** The keys in Go's print and range order (sorted). */
  keys(): string[] {
    return [...this.entries.keys()].sort();
  }

  /** What `json` writes. */
  toJSON(): Record<string, unknown> {
    return Object.fromEntries(this.entries);
  }
}

/** A nil slice or map: prints as `[]` / `map[]`, is empty and false, and `json` writes `null`. */
export class GoNil {
  readonly printed: string;

  constructor(printed: '[]' | 'map[]') {
    this.printed = printed;
  }

  /** What `json` writes. */
  toJSON(): null {
    return null;
  }
}

/** A nil list (Go `[]string(nil)`), e.g. an image config without Entrypoint. */
export const NIL_LIST = new GoNil('[]');
/** A nil map (Go `map[string]string(nil)`), e.g. an image config without Labels. */
export const NIL_MAP = new GoNil('map[]');
/** What a missing map key evaluates to: prints `<no value>`. */
export const MISSING: unique symbol = Symbol('no value');

/** A list, or NIL_LIST when absent: template data for Go's `[]string`. */
export function goList(list: readonly unknown[] | undefined | null): readonly unknown[] | GoNil {
  return list ? list : NIL_LIST;
}

/** A GoMap, or NIL_MAP when absent: template data for Go's `map[string]…`. */
export function goMap(record: Record<string, unknown> | undefined | null): GoMap | GoNil {
  return record ? new GoMap(record) : NIL_MAP;
}

/** A bad template (parse or execution): a usage error (exit 2) naming line and column. */
export class TemplateError extends RegctlError {
  constructor(source: string, offset: number, message: string) {
    const before = source.slice(0, offset);
    const line = before.split('\n').length;
    const column = offset - before.lastIndexOf('\n');
    super('usage', `invalid --format template at line ${line}, column ${column}: ${message}`);
    this.name = 'TemplateError';
  }
}

/** Go's truth: false, 0, "", nil and empty lists and maps are false; everything else is true. */
export function truthy(value: unknown): boolean {
  if (value === MISSING || value === null || value === undefined || value === false || value === 0 || value === '') return false;
  if (value instanceof GoNil) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (value instanceof GoMap) return value.entries.size > 0;
  return true;
}

/** Formats a value as Go's `%v` does for template data (what `{{.X}}` prints). */
export function printValue(value: unknown): string {
  if (value === MISSING || value === null || value === undefined) return '<no value>';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof GoNil) return value.printed;
  if (Array.isArray(value)) return `[${value.map(printNested).join(' ')}]`;
  if (value instanceof GoMap)
    return `map[${value
      .keys()
      .map((k) => `${k}:${printNested(value.entries.get(k))}`)
      .join(' ')}]`;
  if (typeof value === 'object')
    return `{${Object.values(value as object)
      .map(printNested)
      .join(' ')}}`;
  return String(value);
}

/** Inside a list, map or struct Go prints a nil as `<nil>`. */
function printNested(value: unknown): string {
  return value === null || value === undefined || value === MISSING ? '<nil>' : printValue(value);
}

/** A short Go-like type name for error messages. */
export function typeName(value: unknown): string {
  if (value === MISSING || value === null || value === undefined) return 'nil';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float64';
  if (typeof value === 'boolean') return 'bool';
  if (value instanceof GoNil) return value.printed === '[]' ? '[]string' : 'map[string]string';
  if (Array.isArray(value)) return 'list';
  if (value instanceof GoMap) return 'map';
  return 'struct';
}

/** Converts a value to JSON as docker's `json` function does (compact, no HTML escaping). */
export function toJson(value: unknown): string {
  return JSON.stringify(value === MISSING || value === undefined ? null : value) ?? 'null';
}
