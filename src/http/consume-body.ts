import type { BodySink } from './fast-exchange.js';
import type { TransportResponse } from './transport.js';

/** Bytes undici's small chunks are gathered into before the sink sees them (one write per MiB, not per 64 KiB). */
const STAGING_BYTES = 1024 * 1024;

/**
 * Reads a response body into `sink`: from the connection's read buffer when the fast path answered,
 * else from undici's stream, gathered into 1 MiB pieces. Resolves at the end of the body; rejects
 * with the body's error (a RegctlError naming the host) or with the sink's own.
 */
export function consumeBody(res: TransportResponse, sink: BodySink): Promise<void> {
  if (res.consume) return res.consume(sink);
  const body = res.body;
  const staging = Buffer.allocUnsafe(STAGING_BYTES);
  let filled = 0;
  return new Promise<void>((resolve, reject) => {
    let failed = false;
    const give = (chunk: Uint8Array): boolean => {
      try {
        sink(chunk);
        return true;
      } catch (err) {
        failed = true;
        body.destroy();
        reject(err);
        return false;
      }
    };
    const flush = (): boolean => {
      if (filled === 0) return true;
      const n = filled;
      filled = 0;
      return give(staging.subarray(0, n));
    };
    body.on('data', (chunk: Buffer) => {
      if (failed) return;
      if (filled + chunk.length > STAGING_BYTES && !flush()) return;
      if (chunk.length >= STAGING_BYTES) {
        give(chunk);
        return;
      }
      chunk.copy(staging, filled);
      filled += chunk.length;
    });
    body.once('end', () => {
      if (!failed && flush()) resolve();
    });
    body.once('error', (err) => {
      if (failed) return;
      failed = true;
      reject(err);
    });
  });
}
