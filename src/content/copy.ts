import { Readable } from 'node:stream';
import { RegctlError } from '../errors.js';
import { downloadBlob, pumpBlob } from './blob-transfer.js';
import { Annotation, type Descriptor, type Platform } from '../oci/descriptor.js';
import { parseManifest } from '../oci/manifest.js';
import { isNonDistributable } from '../oci/media-types.js';
import { runLimited } from './limit.js';
import { descend, selectPlatform } from './platform-select.js';
import { fetchAll } from './read-all.js';
import { filteredIndex } from './filtered-index.js';
import { isBlobDownloader, isIngester, isMounter, type BlobDownloader, type CopyListener, type Fetcher, type Target } from './types.js';

/** How copy treats an index at the source. */
export type PlatformSelection = { mode: 'all' } | { mode: 'one'; platform: Platform } | { mode: 'subset'; platforms: Platform[] };

/** Options of copy(). */
export interface CopyOptions {
  /** Which platforms of an index to copy; default all. A plain manifest is copied whatever this says. */
  platforms?: PlatformSelection;
  /** Blobs transferred in parallel; default 4. */
  concurrency?: number;
  /** Receives start/progress/skip/mount/done events. */
  listener?: CopyListener;
  /** Repositories of the destination's registry that may already hold a blob, for cross-repository mounts. */
  mountCandidates?: (desc: Descriptor) => Promise<string[]> | string[];
  /** Called after each blob or manifest is present at the destination (pushed, mounted or found). */
  onPresent?: (desc: Descriptor, how: 'copied' | 'skipped' | 'mounted') => Promise<void> | void;
  /**
   * Reads non-distributable (foreign) layers from their `urls` (pull sets it). When absent, such
   * layers are never moved — registries are not sent them and the manifest keeps their urls — as
   * docker push and containerd do. When the fetcher fails, the source is tried before giving up.
   */
  foreignLayers?: Fetcher;
}

/** What copy did. */
export interface CopyResult {
  /** The manifest or index now named at the destination (annotations included). */
  descriptor: Descriptor;
  /** The source root, before any platform selection. */
  source: Descriptor;
  /** True when the destination root is a new, filtered index (a new digest). */
  filtered: boolean;
  /** Blobs (layers and configs) moved, skipped as present, and mounted. */
  copied: number;
  skipped: number;
  mounted: number;
  /** Bytes moved. */
  bytes: number;
}

/**
 * Copies what `srcRef` names from `src` to `dst` and names it `dstRef` there (oras-go's Copy):
 * blobs first (in parallel, skipping or mounting what is present), then manifests children before
 * their index, byte for byte so digests are preserved.
 */
export async function copy(src: Target, srcRef: string, dst: Target, dstRef: string | undefined, options: CopyOptions = {}): Promise<CopyResult> {
  const root = await src.resolve(srcRef);
  return copyDescriptor(src, root, dst, dstRef, options);
}

/** Like copy(), from an already resolved source descriptor. */
export async function copyDescriptor(src: Target, root: Descriptor, dst: Target, dstRef: string | undefined, options: CopyOptions = {}): Promise<CopyResult> {
  const stats = { copied: 0, skipped: 0, mounted: 0, bytes: 0 };
  const ctx: Ctx = { src, dst, options, stats, concurrency: options.concurrency ?? 4 };
  const rootBytes = await fetchAll(src, root, undefined, `manifest ${root.digest}`);
  const parsed = parseManifest(rootBytes, root.mediaType, `manifest ${root.digest}`);
  const base: Descriptor = { mediaType: parsed.mediaType, digest: root.digest, size: root.size };
  let result: Descriptor = base;
  let filtered = false;
  if (parsed.kind === 'manifest') {
    await copyImage(ctx, base, rootBytes);
  } else {
    const selection = options.platforms ?? { mode: 'all' };
    if (selection.mode === 'all') {
      await copyIndexChildren(ctx, parsed.index.manifests, [root.digest]);
      await pushManifest(ctx, base, rootBytes);
    } else if (selection.mode === 'one') {
      const child = await selectPlatform(src, root, parsed.index, selection.platform);
      await copyChild(ctx, child, [root.digest]);
      result = {
        mediaType: child.mediaType,
        digest: child.digest,
        size: child.size,
        ...(child.platform ? { platform: child.platform } : {}),
        annotations: { [Annotation.sourceIndex]: root.digest },
      };
    } else {
      const subset = await filteredIndex(src, root, parsed.mediaType, parsed.index, selection.platforms);
      await copyIndexChildren(ctx, subset.children, [root.digest]);
      result = subset.descriptor;
      filtered = result.digest !== root.digest;
      await pushManifest(ctx, result, subset.bytes);
    }
  }
  if (dstRef !== undefined) await dst.tag(result, dstRef);
  return { descriptor: result, source: base, filtered, ...stats };
}

interface Ctx {
  src: Target;
  dst: Target;
  options: CopyOptions;
  stats: { copied: number; skipped: number; mounted: number; bytes: number };
  concurrency: number;
}

async function copyIndexChildren(ctx: Ctx, children: Descriptor[], path: string[]): Promise<void> {
  // Children one after another; their blobs go in parallel inside each.
  for (const child of children) await copyChild(ctx, child, path);
}

/** Copies one child of an index at `path` (the index digests above it), following nested indexes within the depth limit. */
async function copyChild(ctx: Ctx, child: Descriptor, path: string[]): Promise<Buffer> {
  const bytes = await fetchAll(ctx.src, child, undefined, `manifest ${child.digest}`);
  const parsed = parseManifest(bytes, child.mediaType, `manifest ${child.digest}`);
  const desc: Descriptor = { mediaType: child.mediaType || parsed.mediaType, digest: child.digest, size: child.size };
  if (parsed.kind === 'index') {
    await copyIndexChildren(ctx, parsed.index.manifests, descend(path, child));
    await pushManifest(ctx, desc, bytes);
  } else {
    await copyImage(ctx, desc, bytes);
  }
  return bytes;
}

async function copyImage(ctx: Ctx, desc: Descriptor, bytes: Buffer): Promise<void> {
  const parsed = parseManifest(bytes, desc.mediaType, `manifest ${desc.digest}`);
  if (parsed.kind !== 'manifest') throw new RegctlError('failed', `manifest ${desc.digest} is not an image manifest`);
  const { config, layers } = parsed.manifest;
  const blobs = [...new Map([config, ...layers].map((b) => [b.digest, b])).values()];
  for (const blob of blobs) ctx.options.listener?.({ type: 'queued', desc: blob });
  await runLimited(blobs, ctx.concurrency, (blob) => {
    if (!isNonDistributable(blob.mediaType)) return copyBlob(ctx, blob, (d) => ctx.src.fetch(d), isBlobDownloader(ctx.src) ? ctx.src : undefined);
    const foreign = ctx.options.foreignLayers;
    if (foreign) return copyBlob(ctx, blob, () => openForeign(ctx, foreign, blob));
    (ctx.options.listener ?? (() => undefined))({ type: 'foreign', desc: blob });
    return Promise.resolve();
  });
  await pushManifest(ctx, desc, bytes);
}

/** Opens a foreign layer from its urls, else (as containerd does) from the source itself. */
async function openForeign(ctx: Ctx, foreign: Fetcher, blob: Descriptor): Promise<Readable> {
  try {
    return await foreign.fetch(blob);
  } catch (err) {
    try {
      return await ctx.src.fetch({ mediaType: blob.mediaType, digest: blob.digest, size: blob.size });
    } catch {
      throw err;
    }
  }
}

async function pushManifest(ctx: Ctx, desc: Descriptor, bytes: Buffer): Promise<void> {
  if (await ctx.dst.exists(desc)) {
    await ctx.options.onPresent?.(desc, 'skipped');
    return;
  }
  await ctx.dst.push(desc, Readable.from([bytes]));
  await ctx.options.onPresent?.(desc, 'copied');
}

async function copyBlob(ctx: Ctx, blob: Descriptor, open: (desc: Descriptor) => Promise<Readable>, downloader?: BlobDownloader): Promise<void> {
  const { dst, options, stats } = ctx;
  const emit = options.listener ?? (() => undefined);
  const desc: Descriptor = { mediaType: blob.mediaType, digest: blob.digest, size: blob.size };
  if (await dst.exists(desc)) {
    stats.skipped++;
    emit({ type: 'skip', desc });
    await options.onPresent?.(desc, 'skipped');
    return;
  }
  if (isMounter(dst) && options.mountCandidates) {
    for (const from of await options.mountCandidates(desc)) {
      if (await dst.mount(desc, from)) {
        stats.mounted++;
        emit({ type: 'mount', desc, from });
        await options.onPresent?.(desc, 'mounted');
        return;
      }
    }
  }
  emit({ type: 'start', desc });
  if (downloader && isIngester(dst)) await downloadBlob(downloader, dst, desc, emit);
  else await pumpBlob(desc, await open(desc), dst, emit);
  stats.copied++;
  stats.bytes += desc.size;
  emit({ type: 'done', desc });
  await options.onPresent?.(desc, 'copied');
}
