import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { errnoCode, RegctlError } from '../errors.js';
import { buildItem, rulesProblems, type FieldPath, type Problem, type RawRules } from './item-rules.js';
import type { SyncItem } from './types.js';
import { parseYamlSource, YamlSyntaxError } from './yaml-source.js';

const Text = z.string().min(1);
const Tags = z.strictObject({
  allow: z.array(z.string()).optional(),
  deny: z.array(z.string()).optional(),
  semver: z.string().optional(),
});
const Rules = {
  tags: Tags.optional(),
  platforms: z.array(z.string()).optional(),
  referrers: z.boolean().optional(),
  concurrency: z.number().int().min(1).max(64).optional(),
};
const Item = z.strictObject({ source: Text, target: Text, ...Rules });

/** The shape of a sync file (SPEC §7): `defaults:` for every item, then the `sync:` list. */
export const SyncFileSchema = z.strictObject({
  defaults: z.strictObject(Rules).optional(),
  sync: z.array(Item).min(1),
});

/** A field path as people write it: `sync[1].tags.semver`. */
export function formatPath(path: FieldPath): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${p}` : p;
  return out || '(top level)';
}

function valueAt(data: unknown, path: FieldPath): unknown {
  let value = data;
  for (const p of path) value = value !== null && typeof value === 'object' ? (value as Record<string | number, unknown>)[p] : undefined;
  return value;
}

function describe(issue: z.core.$ZodIssue, data: unknown): Problem[] {
  const path = issue.path as (string | number)[];
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((k) => ({ path: [...path, k], message: 'unknown field' }));
    case 'invalid_type':
      if (valueAt(data, path) === undefined) return [{ path, message: 'is required' }];
      return [{ path, message: `expected ${issue.expected === 'object' ? 'a mapping' : issue.expected === 'array' ? 'a list' : `a ${issue.expected}`}` }];
    case 'too_small':
      return [
        {
          path,
          message:
            issue.origin === 'array'
              ? 'must list at least one entry'
              : issue.origin === 'string'
                ? 'must not be empty'
                : `must be at least ${String(issue.minimum)}`,
        },
      ];
    case 'too_big':
      return [{ path, message: `must be at most ${String(issue.maximum)}` }];
    default:
      return [{ path, message: issue.message }];
  }
}

/**
 * Checks a sync file's data (already parsed from YAML or JSON) and builds its items; every problem
 * found comes back with its field path, for the caller to place on a line.
 */
export function checkSyncData(data: unknown, originOf: (path: FieldPath) => string): { items: SyncItem[]; problems: Problem[] } {
  const shape = SyncFileSchema.safeParse(data);
  if (!shape.success) return { items: [], problems: shape.error.issues.flatMap((issue) => describe(issue, data)) };
  const defaults: RawRules = shape.data.defaults ?? {};
  const problems = rulesProblems(defaults, ['defaults']);
  // Bad defaults are reported once, at their own line, not again in every item.
  const inherited = problems.length ? {} : defaults;
  const items: SyncItem[] = [];
  shape.data.sync.forEach((raw, i) => {
    const built = buildItem(raw, inherited, ['sync', i], originOf(['sync', i]));
    problems.push(...built.problems);
    if (built.item) items.push(built.item);
  });
  return { items, problems };
}

/**
 * Reads a sync file (YAML, or JSON) and returns its items; a bad file is a usage error (exit 2)
 * naming the file, the line and the field: `mirror.yaml:7: sync[1].tags.semver: …`.
 */
export async function readSyncFile(file: string): Promise<SyncItem[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const why = errnoCode(err) === 'ENOENT' ? 'no such file' : errnoCode(err) === 'EISDIR' ? 'a directory' : (err as Error).message;
    throw new RegctlError('usage', `cannot read sync file ${file}: ${why}`, { cause: err });
  }
  let source;
  try {
    source = parseYamlSource(text);
  } catch (err) {
    if (err instanceof YamlSyntaxError) throw new RegctlError('usage', `invalid sync file ${file}:${err.line}:${err.column}: ${err.message}`);
    throw err;
  }
  const { items, problems } = checkSyncData(source.data, (path) => `${file}:${source.lineOf(path)}`);
  if (problems.length === 0) return items;
  const placed = problems.map((p) => ({ ...p, line: source.lineOf(p.path) })).sort((a, b) => a.line - b.line);
  const first = placed[0] as (typeof placed)[number];
  const more = placed.length > 1 ? ` (and ${placed.length - 1} more problem${placed.length > 2 ? 's' : ''})` : '';
  throw new RegctlError('usage', `invalid sync file ${file}:${first.line}: ${formatPath(first.path)}: ${first.message}${more}`);
}
