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
  let staging = Buffer.allocUnsafe(STAGING_BYTES);
  let filled = 0;
  return new Promise<void>((resolve, reject) => {
    let failed = false;
    const failWith = (err: unknown): void => {
      if (failed) return;
      failed = true;
      body.destroy();
      reject(err);
    };
    /** Hands a piece to the sink; one it takes later (a promise) pauses the body until then. */
    const give = (chunk: Uint8Array, after?: () => void): boolean => {
      let taken;
      try {
        taken = sink(chunk);
      } catch (err) {
        failWith(err);
        return false;
      }
      if (!(taken instanceof Promise)) {
        after?.();
        return true;
      }
      body.pause();
      taken.then(() => {
        if (failed) return;
        if (after) after();
        else body.resume();
      }, failWith);
      return true;
    };
    const flush = (): boolean => {
      if (filled === 0) return true;
      const n = filled;
      filled = 0;
      const piece = staging.subarray(0, n);
      // A piece the sink takes later keeps its buffer: gather the next one in a fresh buffer.
      const ok = give(piece);
      if (ok && body.isPaused()) staging = Buffer.allocUnsafe(STAGING_BYTES);
      return ok;
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
      if (failed) return;
      const n = filled;
      filled = 0;
      if (n === 0) resolve();
      else give(staging.subarray(0, n), resolve);
    });
    body.once('error', (err) => {
      if (failed) return;
      failed = true;
      reject(err);
    });
  });
}
