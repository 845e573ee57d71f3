/** One problem found: where (field path) and what (util/read-json-file.ts reads the same shape). */
export interface JsonIssue {
  path: readonly PropertyKey[];
  message: string;
}

/** A schema as readJsonFile takes it: zod's `safeParse`, answered by a shape. */
export interface JsonSchema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: readonly JsonIssue[] } };
}

/**
 * Checks a parsed JSON value and returns the first problem (its path relative to the value), or
 * undefined when it fits. Paths are built only on the way out of a failure: a valid document of a
 * thousand entries allocates nothing.
 * The documents regctl reads on every run (manifests, indexes, configs, index.json) are checked
 * with these instead of zod, whose load alone costs ~60 ms of each start; the rules are the same
 * and so are the messages, in zod's words.
 */
export type Shape = (value: unknown) => JsonIssue | undefined;

/** A shape that may be absent (zod's `.optional()`: undefined passes, null does not). */
interface OptionalShape {
  optional: Shape;
}

/** How zod names a value's type in "expected X, received Y". */
function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

const expected = (what: string, value: unknown): JsonIssue => ({ path: [], message: `Invalid input: expected ${what}, received ${typeName(value)}` });

/** The issue found in a field or item `at`, as seen from its parent. */
const within = (at: PropertyKey, issue: JsonIssue): JsonIssue => ({ path: [at, ...issue.path], message: issue.message });

/** A string, optionally matching `pattern` (`message` when it does not). */
export function string(pattern?: RegExp, message = 'Invalid string'): Shape {
  return (v) => {
    if (typeof v !== 'string') return expected('string', v);
    return pattern && !pattern.test(v) ? { path: [], message } : undefined;
  };
}

/** A whole number ≥ 0. */
export const count: Shape = (v) => {
  if (typeof v !== 'number' || Number.isNaN(v)) return expected('number', v);
  if (!Number.isInteger(v)) return expected('int', v);
  return v < 0 ? { path: [], message: 'Too small: expected number to be >=0' } : undefined;
};

/** Exactly `literal`. */
export function literal(literal: string | number): Shape {
  return (v) => (v === literal ? undefined : { path: [], message: `Invalid input: expected ${JSON.stringify(literal)}` });
}

/** An array whose every item fits `item`. */
export function array(item: Shape): Shape {
  return (v) => {
    if (!Array.isArray(v)) return expected('array', v);
    for (let i = 0; i < v.length; i++) {
      const issue = item(v[i]);
      if (issue) return within(i, issue);
    }
    return undefined;
  };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An object whose every value fits `value` (zod's `z.record(z.string(), value)`). */
export function record(value: Shape): Shape {
  return (v) => {
    if (!isRecord(v)) return expected('record', v);
    for (const key in v) {
      const issue = value(v[key]);
      if (issue) return within(key, issue);
    }
    return undefined;
  };
}

/** `shape`, or absent. */
export function optional(shape: Shape): OptionalShape {
  return { optional: shape };
}

/** `shape`, or null. */
export function nullable(shape: Shape): Shape {
  return (v) => (v === null ? undefined : shape(v));
}

/** Any object: fields listed are checked in order, other fields are kept as they are (zod's `looseObject`). */
export function object(fields: Record<string, Shape | OptionalShape>): Shape {
  const entries = Object.entries(fields);
  return (v) => {
    if (!isRecord(v)) return expected('object', v);
    for (const [key, field] of entries) {
      const value = v[key];
      const issue = typeof field === 'function' ? field(value) : value === undefined ? undefined : field.optional(value);
      if (issue) return within(key, issue);
    }
    return undefined;
  };
}

/** A {@link JsonSchema} (what readJsonFile takes) over a shape; the value is returned as it was parsed. */
export function schema<T>(shape: Shape): JsonSchema<T> {
  return {
    safeParse: (value) => {
      const issue = shape(value);
      return issue ? { success: false, error: { issues: [issue] } } : { success: true, data: value as T };
    },
  };
}

/** The first problem as "path: message" ("(root)" for the top), for one-line errors. */
export function issueText(issue: JsonIssue | undefined): string {
  if (!issue) return 'invalid';
  return `${issue.path.length ? issue.path.map(String).join('.') : '(root)'}: ${issue.message}`;
}
