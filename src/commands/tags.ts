import { formatRepository, parseRepository } from '../ref/reference.js';
import type { Session } from '../session.js';
import { namingErrors } from './name-errors.js';
import type { CommandIo } from './io.js';
import { listingOutput } from './listing-output.js';
import { outputFormat, TAGS_FORMAT } from './row-formats.js';

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

/** What `regctl tags` printed: the repository and how many tags (the tags themselves were streamed). */
export interface TagsResult {
  name: string;
  count: number;
}

/**
 * Lists a repository's tags in the registry (its mirrors first), following `Link` pagination; one
 * tag a line, printed page by page as they arrive (`--json`: one document, streamed the same way).
 */
export async function tags(session: Session, options: TagsOptions, io: CommandIo): Promise<TagsResult> {
  const ref = parseRepository(options.repository);
  const name = formatRepository(ref);
  const format = outputFormat(options.format, TAGS_FORMAT);
  const out = listingOutput(
    { head: { name }, key: 'tags', json: !!options.json, format, row: (tag) => ({ Repository: name, Tag: tag, Name: `${name}:${tag}` }) },
    io,
  );
  let count = 0;
  await namingErrors(name, () =>
    session.source(ref).tagPages(options.pageSize, (page) => {
      count += page.length;
      return out.page(page);
    }),
  );
  out.end();
  return { name, count };
}
