import { pipeline, type Readable, Transform, type TransformCallback } from 'node:stream';
import { RegctlError, RegistryError } from '../errors.js';
import type { Descriptor } from '../oci/descriptor.js';
import type { BlobDownloader, CopyListener, Ingester, Target } from './types.js';
import { SourceReadable, type ChunkSource } from '../util/chunk-source.js';
import { CountedSource } from './counted-source.js';

/**
 * Copies a blob into a store that takes it piece by piece: the source downloads it (ranges, resume
 * across runs, the socket fast path) and commits it. What was fetched is kept for the next run,
 * unless it proved wrong.
 */
export async function downloadBlob(src: BlobDownloader, dst: Ingester, desc: Descriptor, emit: CopyListener): Promise<void> {
  const ingest = await dst.ingest(desc);
  let last = 0;
  const onProgress = (bytes: number): void => {
    const now = Date.now();
    if (now - last < 100) return;
    last = now;
    emit({ type: 'progress', desc, bytes });
  };
  try {
    await src.download(desc, ingest, { onProgress });
  } catch (err) {
    await ingest.close(err instanceof RegctlError && err.kind === 'integrity');
    throw err;
  }
  emit({ type: 'progress', desc, bytes: desc.size });
}

/**
 * Streams a blob from a source into a destination's push. The errors name the party that failed:
 * a source that breaks off or sends a wrong number of bytes is reported as the source's failure —
 * not as the destination's, whose upload it broke — and bytes the destination refuses as not
 * matching the digest are the source's too (the destination checks the digest; regctl does not
 * hash them twice).
 */
export async function pumpBlob(desc: Descriptor, stream: Readable, dst: Target, emit: CopyListener): Promise<void> {
  const source = stream instanceof SourceReadable ? stream.takeSource() : undefined;
  if (source) return pumpSource(desc, source, dst, emit);
  let sourceFailure: RegctlError | undefined;
  stream.once('error', (err: unknown) => {
    // A source's own failure arrives first as a RegctlError naming it; anything else is the pipeline tearing down.
    if (err instanceof RegctlError) sourceFailure ??= err;
  });
  const counter = new ProgressCounter(desc, (bytes) => emit({ type: 'progress', desc, bytes }));
  // pipeline destroys the source when the destination fails, so no socket is left dangling.
  const body = pipeline(stream, counter, () => undefined);
  try {
    await dst.push(desc, body);
  } catch (err) {
    throw blame(desc, err, sourceFailure ?? counter.failure);
  }
}

/**
 * pumpBlob for a source that writes its pieces itself (a cache file, a blob download on the fast
 * path): no stream chain; the destination's upload may take the pieces straight to its socket.
 */
async function pumpSource(desc: Descriptor, source: ChunkSource, dst: Target, emit: CopyListener): Promise<void> {
  const counted = new CountedSource(source, desc, (bytes) => emit({ type: 'progress', desc, bytes }));
  const body = new SourceReadable(counted);
  try {
    await dst.push(desc, body);
  } catch (err) {
    body.destroy();
    throw blame(desc, err, counted.failure);
  }
}

/** The error a failed pump reports: the source's own failure first; a digest the destination refused is the source's bytes. */
function blame(desc: Descriptor, err: unknown, sourceFailure: Error | undefined): unknown {
  if (sourceFailure) return sourceFailure;
  if (err instanceof RegistryError && err.codes.includes('DIGEST_INVALID')) {
    return new RegctlError(
      'integrity',
      `blob ${desc.digest} sent by the source does not match its digest (the destination answered ${err.status} DIGEST_INVALID)`,
      { cause: err },
    );
  }
  return err;
}

/** Counts bytes flowing through, reports the running total at most every 100 ms, and checks the count against the size. */
class ProgressCounter extends Transform {
  /** The size check that failed, if one did. */
  failure: RegctlError | undefined;
  private total = 0;
  private last = 0;
  constructor(
    private readonly desc: Descriptor,
    private readonly report: (bytes: number) => void,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.total += chunk.length;
    if (this.total > this.desc.size) {
      this.failure = new RegctlError('integrity', `blob ${this.desc.digest} is larger than its declared size ${this.desc.size}`);
      cb(this.failure);
      return;
    }
    const now = Date.now();
    if (now - this.last >= 100) {
      this.last = now;
      this.report(this.total);
    }
    cb(null, chunk);
  }
  override _flush(cb: TransformCallback): void {
    if (this.total !== this.desc.size) {
      this.failure = new RegctlError('integrity', `blob ${this.desc.digest} is truncated: expected ${this.desc.size} bytes, got ${this.total}`);
      cb(this.failure);
      return;
    }
    this.report(this.total);
    cb();
  }
}
