import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Descriptor } from '../oci/descriptor.js';
import { isDigest } from '../oci/digest.js';
import { isIndexMediaType, isManifestMediaType } from '../oci/media-types.js';
import { writeFileAtomic } from '../util/write-file-atomic.js';

/** Where the records live, relative to the cache root: outside `blobs/` and `index.json`, so OCI tools ignore them. */
const BLOB_SOURCES_DIR = join('.regctl', 'blob-sources');

/** A file holding more lines than this is rewritten without duplicates. */
const COMPACT_ABOVE = 64;
/** Repositories kept per blob when compacting (the most recent). */
const KEEP = 16;

/**
 * Remembers, per blob, the repositories (`registry/repository`) it was pulled from or pushed to,
 * so a push can mount it from one of them instead of uploading it (SPEC §3 push).
 *
 * One small text file per blob, `<cache>/.regctl/blob-sources/<algorithm>/<hex>`, one repository a
 * line, appended with O_APPEND: a line is far below PIPE_BUF, so writes from concurrent processes
 * never interleave. A duplicate line from a race is harmless (lookups de-duplicate). Everything
 * here is a hint: a wrong or lost record costs a refused mount or an upload, never an error.
 */
export class BlobSources {
  /** The cache root these records belong to. */
  readonly root: string;

  constructor(root: string) {
    this.root = root;
  }

  /** A copy `onPresent` hook that records every blob (not manifests: they are never mounted) as held by `repository`. */
  recorder(repository: string): (desc: Descriptor) => Promise<void> {
    return async (desc) => {
      if (isManifestMediaType(desc.mediaType) || isIndexMediaType(desc.mediaType)) return;
      await this.record(desc.digest, repository);
    };
  }

  private path(digest: string): string | undefined {
    if (!isDigest(digest)) return undefined;
    const [algorithm, hex] = digest.split(':') as [string, string];
    return join(this.root, BLOB_SOURCES_DIR, algorithm, hex);
  }

  /** The repositories recorded for `digest`, most recent first, without duplicates. */
  async lookup(digest: string): Promise<string[]> {
    const path = this.path(digest);
    if (!path) return [];
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      return [];
    }
    return unique(
      text
        .split('\n')
        .map((l) => l.trim())
        .filter(isRepositoryName)
        .reverse(),
    );
  }

  /** Records that `repository` (`registry/repository`) holds `digest`; does nothing when it is already the latest record. */
  async record(digest: string, repository: string): Promise<void> {
    const path = this.path(digest);
    if (!path || !isRepositoryName(repository)) return;
    try {
      const known = await this.lines(path);
      if (known[known.length - 1] === repository) return;
      if (known.length >= COMPACT_ABOVE) {
        const kept = unique([repository, ...known.reverse()])
          .slice(0, KEEP)
          .reverse();
        await writeFileAtomic(path, `${kept.join('\n')}\n`);
        return;
      }
      await mkdir(dirname(path), { recursive: true });
      await appendFile(path, `${repository}\n`, { encoding: 'utf8' });
    } catch {
      // A hint that cannot be written (read-only cache, full disk) must not fail a pull or push.
    }
  }

  private async lines(path: string): Promise<string[]> {
    try {
      return (await readFile(path, 'utf8'))
        .split('\n')
        .map((l) => l.trim())
        .filter(isRepositoryName);
    } catch {
      return [];
    }
  }
}

/** `host[:port]/path` with no whitespace: what a record line must look like. */
function isRepositoryName(line: string): boolean {
  return /^[^\s/]+\/\S+$/.test(line);
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
