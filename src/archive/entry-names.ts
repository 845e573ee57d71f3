import { posix } from 'node:path';
import { RegctlError } from '../errors.js';

/** A usage error about an archive that is malformed or tries to escape (exit 2). */
export function badArchive(message: string, cause?: unknown): RegctlError {
  return new RegctlError('usage', `invalid archive: ${message}`, cause === undefined ? undefined : { cause });
}

/**
 * True for the entry naming the archive's own root: `./` (or `.`), which `tar -C DIR -cf X.tar .`
 * writes first. It is a directory entry with nothing to stage.
 */
export function isRootEntry(raw: string): boolean {
  return raw !== '' && raw.split('/').every((p) => p === '' || p === '.') && !raw.startsWith('/');
}

/**
 * The canonical form of a tar entry name (`./a//b/` → `a/b`). Names are only ever matched, never
 * used as paths, but an absolute name or one with a `..` component is refused outright: no
 * archive a tool of ours would accept contains one, so it is malformed or hostile.
 */
export function normalizeEntryName(raw: string): string {
  if (raw.startsWith('/') || /^[A-Za-z]:[\\/]/.test(raw) || raw.startsWith('\\')) throw badArchive(`entry "${raw}" has an absolute path`);
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..' || p.split('\\').includes('..'))) throw badArchive(`entry "${raw}" has a ".." path component`);
  if (parts.length === 0) throw badArchive(`entry "${raw}" has an empty name`);
  return parts.join('/');
}

/**
 * The archive-relative name a link entry points at. Symbolic links resolve relative to the link's
 * directory, hard links relative to the archive root; a target outside the archive is refused.
 */
export function linkTarget(name: string, linkname: string, kind: 'symlink' | 'link'): string {
  if (!linkname) throw badArchive(`link "${name}" has an empty target`);
  if (linkname.startsWith('/') || /^[A-Za-z]:[\\/]/.test(linkname)) throw badArchive(`link "${name}" points at the absolute path "${linkname}"`);
  const base = kind === 'symlink' ? posix.dirname(name) : '.';
  const joined = posix.normalize(posix.join(base, linkname));
  if (joined === '..' || joined.startsWith('../') || joined === '.' || joined === '') {
    throw badArchive(`link "${name}" points outside the archive ("${linkname}")`);
  }
  return joined;
}

/** The proper prefixes of an entry name (`a/b/c` → `a`, `a/b`), to spot paths that go through a link. */
export function parentNames(name: string): string[] {
  const parts = name.split('/');
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) out.push(parts.slice(0, i).join('/'));
  return out;
}

/** The digest a `blobs/<alg>/<hex>` entry name promises, or undefined for any other name. */
export function blobNameDigest(name: string): string | undefined {
  const m = /^blobs\/(sha256|sha512)\/([a-f0-9]+)$/.exec(name);
  if (!m) return undefined;
  const [, algorithm, hex] = m as unknown as [string, string, string];
  if (hex.length !== (algorithm === 'sha256' ? 64 : 128)) return undefined;
  return `${algorithm}:${hex}`;
}

/** The tar entry name of a blob in an OCI layout: `blobs/<alg>/<hex>`. */
export function blobEntryName(digest: string): string {
  const [algorithm, hex] = digest.split(':') as [string, string];
  return `blobs/${algorithm}/${hex}`;
}
