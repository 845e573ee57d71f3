import { readFile } from 'node:fs/promises';
import { errnoCode, RegctlError, type ErrorKind } from '../errors.js';

/** One problem a schema found: where (field path) and what. */
export interface JsonIssue {
  path: readonly PropertyKey[];
  message: string;
}

/** What {@link readJsonFile} needs of a schema: zod's `safeParse`. */
export interface JsonSchema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: readonly JsonIssue[] } };
}

/** A schema made on first use (see lazySchema), so its library loads only when a file is there to check. */
export type LazyJsonSchema<T> = () => Promise<JsonSchema<T>>;

/** Options of {@link readJsonFile}. */
export interface ReadJsonFileOptions<T> {
  /** What the file is, as messages name it: "config file", "cache index". */
  label: string;
  /** Kind of the error for a file that cannot be read or is invalid; default `usage` (exit 2). */
  kind?: ErrorKind;
  /** Appended to the error of an invalid file, saying how to repair it (e.g. "; fix or delete it"). */
  remedy?: string;
  /** Errno codes meaning the file is absent (resolves undefined); default ENOENT and ENOTDIR. */
  absent?: readonly string[];
  /** What an empty (or all-whitespace) file holds; default: an empty file is not valid JSON. */
  empty?: T;
}

/**
 * Reads `file` as JSON checked by `schema`; undefined when it does not exist. A file that cannot be
 * read, is not JSON or does not fit the schema is a one-line RegctlError naming the file and the
 * field. It never quotes the file: JSON.parse's message shows the text near the error, and files
 * read here hold secrets (Docker config, credentials).
 */
export async function readJsonFile<T>(file: string, schema: JsonSchema<T> | LazyJsonSchema<T>, options: ReadJsonFileOptions<T>): Promise<T | undefined> {
  const kind = options.kind ?? 'usage';
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((options.absent ?? ['ENOENT', 'ENOTDIR']).includes(errnoCode(err) ?? '')) return undefined;
    throw new RegctlError(kind, `cannot read ${options.label} ${file}: ${errnoCode(err) ?? 'read error'}`, { cause: err });
  }
  if (text.trim() === '' && options.empty !== undefined) return options.empty;
  const remedy = options.remedy ?? '';
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new RegctlError(kind, `${options.label} ${file} is not valid JSON${remedy}`);
  }
  const parsed = (typeof schema === 'function' ? await schema() : schema).safeParse(doc);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? fieldPath(issue.path) : '(top level)';
  throw new RegctlError(kind, `${options.label} ${file} is invalid at ${where}: ${issue?.message ?? 'bad value'}${remedy}`);
}

/** A field path as a user reads it: `registries.docker.io.mirrors[0]`. */
function fieldPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('');
}
