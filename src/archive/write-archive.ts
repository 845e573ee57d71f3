import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { RegctlError } from '../errors.js';
import { VerifyingTransform } from '../oci/digest.js';
import { blobEntryName } from './entry-names.js';
import type { SavePlan } from './save-plan.js';
import { fsError } from '../util/fs-error.js';
import { OCI_LAYOUT_FILE, type LayoutStore } from '../layout/layout-store.js';
import { writeFileAtomic } from '../util/write-file-atomic.js';
import { openArchiveTarget } from './archive-target.js';

// A fixed timestamp keeps archives of the same images byte-identical.
const MTIME = new Date(0);

/** Options of {@link writeArchive}. */
export interface WriteArchiveOptions {
  /** End `out` when the archive is complete; false for process.stdout. Default true. */
  end?: boolean;
  /** What `out` is, as a write error names it (the -o path, "stdout"); default "the archive". */
  label?: string;
}

/**
 * Streams the archive `plan` describes to `out`: every blob read from the layout (verified on the
 * way, never held in memory), then oci-layout, index.json, manifest.json and repositories.
 */
export async function writeArchive(store: LayoutStore, plan: SavePlan, out: Writable, options: WriteArchiveOptions = {}): Promise<void> {
  const pack = tar.pack();
  let failure: unknown;
  const piping = pipeline(pack, out, { end: options.end ?? true }).catch((err: unknown) => {
    failure ??= err;
  });
  const failed = new Promise<void>((resolve) => pack.once('close', () => resolve()));
  try {
    const dirs = new Set(plan.blobs.map((b) => dirname(blobEntryName(b.digest))));
    if (dirs.size > 0) await entry(pack, { name: 'blobs/', type: 'directory', mode: 0o755, mtime: MTIME }, Buffer.alloc(0));
    for (const d of dirs) await entry(pack, { name: `${d}/`, type: 'directory', mode: 0o755, mtime: MTIME }, Buffer.alloc(0));
    for (const desc of plan.blobs) {
      if (failure) break;
      const sink = pack.entry({ name: blobEntryName(desc.digest), size: desc.size, mode: 0o644, mtime: MTIME });
      const done = finished(sink);
      done.catch(() => undefined);
      const blob = await store.fetch(desc);
      const source = new VerifyingTransform({ digest: desc.digest, size: desc.size, what: 'cached blob' });
      blob.on('error', (err) => source.destroy(err));
      blob.pipe(source);
      for await (const chunk of source) {
        if (!sink.write(chunk as Buffer)) await Promise.race([new Promise<void>((r) => sink.once('drain', () => r())), failed]);
        if (failure) throw failure;
      }
      (sink as unknown as { end(): void }).end();
      await done;
    }
    const json = (name: string, value: unknown): Promise<void> => entry(pack, { name, mode: 0o644, mtime: MTIME }, Buffer.from(JSON.stringify(value)));
    await json('oci-layout', OCI_LAYOUT_FILE);
    await json('index.json', plan.index);
    await json('manifest.json', plan.manifest);
    await json('repositories', plan.repositories);
    if (failure) throw failure;
    pack.finalize();
  } catch (err) {
    failure ??= err;
    pack.destroy(err as Error);
  }
  await piping;
  if (failure) throw failure instanceof RegctlError ? failure : fsError('cannot write', options.label ?? 'the archive', failure);
}

function finished(sink: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    sink.once('finish', () => resolve());
    sink.once('error', reject);
    sink.once('close', () => resolve());
  });
}

function entry(pack: tar.Pack, header: Parameters<tar.Pack['entry']>[0], body: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry(header, body, (err) => (err ? reject(err) : resolve()));
  });
}

/**
 * Writes the archive to `path`: a regular file (or a new path; through a symlink, its target) via a
 * temp file next to it, fsynced and then renamed, so the path never holds a partial archive; a FIFO
 * or character device is written into directly (see archive-target.ts). A path whose directory
 * cannot take the file, a directory, a socket or a terminal is a usage error.
 */
export async function writeArchiveFile(store: LayoutStore, plan: SavePlan, path: string): Promise<void> {
  const target = await openArchiveTarget(path);
  if (target.kind === 'replace') {
    await writeFileAtomic(target.path, (out) => writeArchive(store, plan, out, { label: target.path }), { mode: 0o644, createKind: 'usage', sweepStale: true });
    return;
  }
  const out = target.handle.createWriteStream();
  try {
    await writeArchive(store, plan, out, { label: path });
  } finally {
    // The stream closes the handle when it ends; after a failure it may not have.
    out.destroy();
    await target.handle.close().catch(() => undefined);
  }
}
