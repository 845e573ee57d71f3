import { parseReference, familiarRepository } from '../ref/reference.js';
import { humanSize, shortId, timeAgo } from './format.js';
import type { CommandIo } from './io.js';
import { OutputFormat } from './template/output-format.js';

/** The fields a command's `--format` rows have (with their column titles) and what a bare `table` shows. */
export interface RowFormat {
  headers: Readonly<Record<string, string>>;
  defaultTable: string;
}

/** `images --format`: docker's field names and titles. */
export const IMAGES_FORMAT: RowFormat = {
  headers: { ID: 'IMAGE ID', Repository: 'REPOSITORY', Tag: 'TAG', Digest: 'DIGEST', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT', Size: 'SIZE' },
  defaultTable: '{{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}',
};

/** `tags --format`: one row per tag. */
export const TAGS_FORMAT: RowFormat = {
  headers: { Repository: 'REPOSITORY', Tag: 'TAG', Name: 'NAME' },
  defaultTable: '{{.Repository}}\t{{.Tag}}',
};

/** `catalog --format`: one row per repository. */
export const CATALOG_FORMAT: RowFormat = {
  headers: { Registry: 'REGISTRY', Repository: 'REPOSITORY', Name: 'NAME' },
  defaultTable: '{{.Repository}}',
};

/** `digest --format`: one row. */
export const DIGEST_FORMAT: RowFormat = {
  headers: { Name: 'NAME', Digest: 'DIGEST', MediaType: 'MEDIA TYPE', Size: 'SIZE' },
  defaultTable: '{{.Name}}\t{{.Digest}}',
};

/** Parses a `--format` value for `spec` (exit 2 when bad); undefined when none was given. */
export function outputFormat(format: string | undefined, spec: RowFormat): OutputFormat | undefined {
  return format === undefined ? undefined : new OutputFormat(format, spec.headers, spec.defaultTable);
}

/** Prints rows through a parsed `--format`. */
export function printRows(format: OutputFormat, rows: readonly unknown[], io: CommandIo): void {
  for (const line of format.render(rows)) io.out(line);
}

/** What `images --format` needs of a cached image. */
export interface ImageFormatInput {
  name: string | null;
  tag: string | null;
  digest: string;
  /** The registry index the stored digest was pulled from, if any. */
  indexDigest?: string | null;
  size: number;
  created: string | null;
}

/**
 * An `images` row with docker's `--format` fields: ID, Repository, Tag, Digest, CreatedSince,
 * CreatedAt, Size. Digest is docker's: the one the registry serves for the name (the index of a
 * multi-platform image, as pull printed it).
 */
export function imageFormatRow(row: ImageFormatInput, now: Date = new Date()): Record<string, unknown> {
  return {
    ID: shortId(row.digest),
    Repository: row.name ? familiarRepository(parseReference(row.name)) : '<none>',
    Tag: row.tag ?? '<none>',
    Digest: row.indexDigest ?? row.digest,
    CreatedSince: timeAgo(row.created ?? undefined, now),
    CreatedAt: goTime(row.created),
    Size: humanSize(row.size),
  };
}

/** A time as Go's time.Time.String() prints it, in UTC: `2024-01-02 15:04:05 +0000 UTC` (docker's CreatedAt). */
export function goTime(iso: string | null | undefined): string {
  const t = iso ? Date.parse(iso) : NaN;
  if (Number.isNaN(t)) return '';
  return `${new Date(t)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, '')
    .replace(/Z$/, '')} +0000 UTC`;
}
