import { formatRepository, parseRepository } from '../ref/reference.js';
import type { Session } from '../session.js';
import { namingErrors } from './name-errors.js';
import type { CommandIo } from './io.js';
import { outputFormat, printRows, TAGS_FORMAT } from './row-formats.js';

/** Options of `regctl tags`. */
export interface TagsOptions {
  /** A repository name without tag or digest, e.g. `ghcr.io/org/app`, `alpine`. */
  repository: string;
  json?: boolean;
  /** Tags asked for per request (`?n=`); default: the registry's own page size. */
  pageSize?: number;
  /** docker's Go-template subset per tag (fields Repository, Tag, Name). */
  format?: string;
}

/** The `--json` document. */
export interface TagsResult {
  name: string;
  tags: string[];
}

/** Lists a repository's tags in the registry (its mirrors first), following `Link` pagination; one tag a line. */
export async function tags(session: Session, options: TagsOptions, io: CommandIo): Promise<TagsResult> {
  const ref = parseRepository(options.repository);
  const format = outputFormat(options.format, TAGS_FORMAT);
  const list = await namingErrors(formatRepository(ref), () => session.source(ref).tags(options.pageSize));
  const result = { name: formatRepository(ref), tags: list };
  if (format)
    printRows(
      format,
      list.map((tag) => ({ Repository: result.name, Tag: tag, Name: `${result.name}:${tag}` })),
      io,
    );
  else if (options.json) io.out(JSON.stringify(result, null, 2));
  else for (const t of list) io.out(t);
  return result;
}
