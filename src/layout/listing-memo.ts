import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Platform } from '../oci/descriptor.js';

/** What a listing shows of one image manifest: derived from the manifest and its config alone. */
export interface ListedImage {
  /** Config plus layer sizes, compressed, in bytes. */
  size: number;
  /** The config's `created`. */
  created?: string;
  /** The platform the config names (os, architecture, variant). */
  platform?: Platform;
  /** Digest of the config blob: an entry is used only while the manifest and this blob are stored. */
  config: string;
}

/** The memo's file, relative to the cache root (beside blob-sources, ignored by OCI tools). */
const MEMO_FILE = join('.regctl', 'listing.json');

const isString = (v: unknown): v is string => typeof v === 'string';

/** An entry as read from the file, or undefined when it is not one (the file is only a cache). */
function entryOf(value: unknown): ListedImage | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v['size'] !== 'number' || !isString(v['config'])) return undefined;
  if (v['created'] !== undefined && !isString(v['created'])) return undefined;
  const p = v['platform'] as Record<string, unknown> | undefined;
  if (p !== undefined && (typeof p !== 'object' || p === null || !isString(p['os']) || !isString(p['architecture']))) return undefined;
  return value as ListedImage;
}

/** Every blob digest stored in the layout at `root`, by one directory read per algorithm. */
async function storedDigests(root: string): Promise<Set<string>> {
  const found = new Set<string>();
  for (const algorithm of ['sha256', 'sha512']) {
    const names = await readdir(join(root, 'blobs', algorithm)).catch(() => [] as string[]);
    for (const name of names) found.add(`${algorithm}:${name}`);
  }
  return found;
}

/**
 * What `regctl images` learnt of each image manifest (size, created, platform), kept in
 * `<cache>/.regctl/listing.json` so the next listing reads one file instead of two per image.
 * A manifest's digest fixes its config and layers, so an entry never goes stale; it is used only
 * while both the manifest and the config blob are stored (one directory read tells), so a damaged
 * cache is still read, and reported, the long way. Written without fsync: losing it costs one slow
 * listing.
 */
export class ListingMemo {
  private readonly file: string;
  private readonly entries: Map<string, ListedImage>;
  private readonly stored: Set<string>;
  private changed = false;

  private constructor(root: string, entries: Map<string, ListedImage>, stored: Set<string>) {
    this.file = join(root, MEMO_FILE);
    this.entries = entries;
    this.stored = stored;
  }

  /** Reads the memo of the cache at `root` (empty when missing or damaged) and which blobs are stored. */
  static async open(root: string): Promise<ListingMemo> {
    const entries = new Map<string, ListedImage>();
    const [text, stored] = await Promise.all([readFile(join(root, MEMO_FILE), 'utf8').catch(() => ''), storedDigests(root)]);
    try {
      const doc = JSON.parse(text) as { images?: Record<string, unknown> };
      for (const [digest, value] of Object.entries(doc.images ?? {})) {
        const entry = entryOf(value);
        if (entry) entries.set(digest, entry);
      }
    } catch {
      // missing or damaged: every image is read again
    }
    return new ListingMemo(root, entries, stored);
  }

  /** What is known of the manifest `digest`, while it and its config are stored. */
  lookup(digest: string): ListedImage | undefined {
    const entry = this.entries.get(digest);
    return entry && this.stored.has(digest) && this.stored.has(entry.config) ? entry : undefined;
  }

  /** Notes what a listing learnt of the manifest `digest`. */
  record(digest: string, entry: ListedImage): void {
    this.entries.set(digest, entry);
    this.changed = true;
  }

  /**
   * Writes the memo when it learnt something; with `keep`, entries of manifests no longer listed
   * are dropped. A cache that cannot be written keeps its old memo.
   */
  async save(keep?: ReadonlySet<string>): Promise<void> {
    if (keep) {
      for (const digest of this.entries.keys()) {
        if (!keep.has(digest)) {
          this.entries.delete(digest);
          this.changed = true;
        }
      }
    }
    if (!this.changed) return;
    const tmp = `${this.file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await mkdir(join(this.file, '..'), { recursive: true });
      await writeFile(tmp, JSON.stringify({ images: Object.fromEntries(this.entries) }));
      await rename(tmp, this.file);
      this.changed = false;
    } catch {
      await unlink(tmp).catch(() => undefined);
    }
  }
}
