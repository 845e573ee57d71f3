import type { Readable } from 'node:stream';
import { errnoCode } from '../errors.js';
import { consumeBody } from '../http/consume-body.js';
import { isTransientNetworkError } from '../http/errors.js';
import type { TransportResponse } from '../http/transport.js';
import { SourceReadable, watchWriter, type ChunkSource, type ChunkWriter } from '../util/chunk-source.js';
import { discard } from '../util/discard.js';
import { RETRY_STATUSES } from '../http/retry-policy.js';
import { drop, pause, rangeMatches, retryDelay, validatorOf, type BlobSource } from './blob-range.js';
import { responseError } from './errors.js';

/** A blob GET, on the fast path when it can: `range` from a position, with the validator the first answer gave. */
function get(src: BlobSource, range?: { from: number; validator: string | undefined }): Promise<{ res: TransportResponse; url: string }> {
  const headers: Record<string, string> = {};
  if (range) {
    headers['range'] = `bytes=${range.from}-`;
    if (range.validator) headers['if-range'] = range.validator;
  }
  return src.client.request({
    method: 'GET',
    path: `/v2/${src.repository}/blobs/${src.desc.digest}`,
    headers,
    fast: true,
    retry: false,
    ...(src.signal ? { signal: src.signal } : {}),
  });
}

/**
 * Opens a blob of a registry for a copy: the GET is sent now (so a missing blob is reported before
 * the destination is asked for anything), retried on resets, 429 and 5xx; the body is then read as a
 * {@link ChunkSource} — straight from the connection's read buffer to the writer, the connection
 * paused until the writer took each piece — or as a stream by generic code.
 */
export async function openBlobStream(src: BlobSource): Promise<Readable> {
  for (let failures = 0; ; ) {
    let sent: { res: TransportResponse; url: string } | undefined;
    try {
      sent = await get(src);
    } catch (err) {
      if (!isTransientNetworkError(err) || failures >= (src.retry.maxRetries ?? 3)) throw err;
      failures++;
      await pause(
        src,
        String(src.client.host),
        failures,
        errnoCode((err as { cause?: unknown }).cause) ?? (err as Error).message,
        retryDelay(src.retry, failures, undefined),
      );
      continue;
    }
    const { res, url } = sent;
    if (RETRY_STATUSES.has(res.status) && failures < (src.retry.maxRetries ?? 3)) {
      discard(res);
      failures++;
      await pause(src, url, failures, `HTTP ${res.status}`, retryDelay(src.retry, failures, res));
      continue;
    }
    if (res.status !== 200) throw await responseError(res, 'GET', url, src.what);
    return new SourceReadable(new RegistryBlobSource(src, res, url));
  }
}

/**
 * The body of a blob GET as a {@link ChunkSource}. A body that breaks off is asked for again from
 * where it stopped (Range, If-Range), when the registry answers with exactly the rest; it cannot be
 * read twice (what was written went on), so it is not replayable.
 */
class RegistryBlobSource implements ChunkSource {
  readonly replayable = false;
  readonly size: number;
  private first: TransportResponse | undefined;

  constructor(
    private readonly src: BlobSource,
    res: TransportResponse,
    private readonly url: string,
  ) {
    this.size = src.desc.size;
    this.first = res;
  }

  async pump(write: ChunkWriter): Promise<void> {
    let res = this.first;
    this.first = undefined;
    if (!res) throw new Error(`${this.src.what} can be read only once`);
    const validator = validatorOf(res);
    const { retry } = this.src;
    let pos = 0;
    let failures = 0;
    const writer = watchWriter(write);
    for (;;) {
      const before = pos;
      try {
        await consumeBody(res, (chunk) => {
          pos += chunk.length;
          return writer.write(chunk);
        });
        return;
      } catch (err) {
        if (writer.failed || !isTransientNetworkError(err)) throw err;
        if (pos > before) failures = 0;
        if (failures >= (retry.maxRetries ?? 3)) throw err;
        failures++;
        await pause(
          this.src,
          this.url,
          failures,
          errnoCode((err as { cause?: unknown }).cause) ?? (err as Error).message,
          retryDelay(retry, failures, undefined),
        );
        const again = await get(this.src, { from: pos, validator }).catch(() => undefined);
        // Only exactly the rest of the same blob continues what was already written on.
        if (again?.res.status === 206 && rangeMatches(again.res, pos, this.size, this.size)) {
          res = again.res;
          continue;
        }
        if (again) drop(again.res);
        throw err;
      }
    }
  }

  cancel(): void {
    const res = this.first;
    this.first = undefined;
    if (res) drop(res);
  }
}
