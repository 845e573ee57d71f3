import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { buildRandomImage, type RandomImage } from './random-image.js';
import { sendJson, startScriptedServer, type RecordedRequest, type ScriptedServer } from './scripted-server.js';

/**
 * How the hostile registry answers a GET of its layer (manifests and the config are served right):
 * - `control`: as a registry should (200, Content-Length, honours Range);
 * - `cut`: Content-Length is the blob's, half the body, then the connection closes — every time;
 * - `cut-once`: the first answer is cut in half, later ones are right (Range honoured);
 * - `length-larger` / `length-smaller`: Content-Length 1000 bytes more / less than the blob;
 * - `endless-chunked`: a chunked body that never ends; `endless-close`: no length, bytes until forever;
 * - `stall`: headers and half the body, then silence with the connection open — every time;
 * - `stall-once`: that once, then right answers; `stall-head`: never any answer;
 * - `slow`: the body in 64 KiB pieces every 150 ms (never silent for long);
 * - `wrong-bytes`: the right length, other bytes; `chunked`: a correct chunked body;
 * - `extra-bytes`: the right answer followed by garbage on the connection;
 * - `http10`: an HTTP/1.0 answer with Content-Length that closes the connection;
 * - `redirect-loop`: 307 to the same URL, forever.
 */
export type BlobMisbehaviour =
  | 'control'
  | 'cut'
  | 'cut-once'
  | 'length-larger'
  | 'length-smaller'
  | 'endless-chunked'
  | 'endless-close'
  | 'stall'
  | 'stall-once'
  | 'stall-head'
  | 'slow'
  | 'wrong-bytes'
  | 'chunked'
  | 'extra-bytes'
  | 'http10'
  | 'redirect-loop';

/** A running hostile registry serving `team/app:v1`. */
export interface HostileBlobRegistry {
  /** `127.0.0.1:PORT`. */
  host: string;
  url: string;
  image: RandomImage;
  /** The layer that misbehaves. */
  layer: Descriptor;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

class Blobs {
  readonly map = new Map<string, Buffer>();
  async push(desc: Descriptor, content: Readable): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of content) chunks.push(c as Buffer);
    this.map.set(desc.digest, Buffer.concat(chunks));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Writes a raw HTTP/1.1 answer head on the socket (node:http stays out of it). The connection is never
 * used again: node:http would queue the next request's answer behind this unfinished one.
 */
function rawHead(socket: Socket, status: string, headers: Record<string, string>): void {
  const all = { ...headers, connection: 'close' };
  socket.write(
    `${status}\r\n${Object.entries(all)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('')}\r\n`,
  );
}

function range(req: IncomingMessage, size: number): [number, number] {
  const m = /^bytes=(\d+)-(\d*)$/.exec(String(req.headers.range ?? ''));
  if (!m) return [0, size];
  return [Number(m[1]), m[2] ? Number(m[2]) + 1 : size];
}

/** Starts the hostile registry (node:http on 127.0.0.1:0) with a layer of `layerSize` bytes (default 2 MiB). */
export async function startHostileBlobRegistry(mode: BlobMisbehaviour, layerSize = 2 * 1024 * 1024): Promise<HostileBlobRegistry> {
  const blobs = new Blobs();
  const image = await buildRandomImage(blobs, { seed: `hostile-blobs-${layerSize}`, layers: 1, layerSize });
  const layer = image.layers[0] as Descriptor;
  const bytes = blobs.map.get(layer.digest) as Buffer;
  const held = new Set<Socket>();
  let layerGets = 0;
  let server: ScriptedServer | undefined;
  server = await startScriptedServer(async (req, res, rec) => {
    const path = rec.url.split('?')[0] ?? '';
    if (path === '/v2/') return sendJson(res, 200, {});
    const m = /^\/v2\/team\/app\/(manifests|blobs)\/([^/]+)$/.exec(path);
    const ref = m?.[2];
    if (m?.[1] === 'manifests' && (ref === 'v1' || ref === image.manifest.digest)) {
      res.writeHead(200, {
        'content-type': image.manifest.mediaType,
        'content-length': String(image.manifestBytes.length),
        'docker-content-digest': image.manifest.digest,
      });
      return void res.end(req.method === 'HEAD' ? undefined : image.manifestBytes);
    }
    const blob = ref ? blobs.map.get(ref) : undefined;
    if (m?.[1] !== 'blobs' || !blob) return sendJson(res, 404, { errors: [{ code: 'BLOB_UNKNOWN' }] });
    if (ref !== layer.digest || req.method !== 'GET') {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(blob.length) });
      return void res.end(req.method === 'HEAD' ? undefined : blob);
    }
    layerGets++;
    const socket = req.socket;
    held.add(socket);
    socket.once('close', () => held.delete(socket));
    const [from, to] = range(req, bytes.length);
    const partial = from > 0 || to < bytes.length;
    // The head a right answer to this request has (206 for a range).
    const rightHead = (): void =>
      rawHead(socket, partial ? 'HTTP/1.1 206 Partial Content' : 'HTTP/1.1 200 OK', {
        'content-length': String(to - from),
        etag: `"${layer.digest}"`,
        ...(partial ? { 'content-range': `bytes ${from}-${to - 1}/${bytes.length}` } : {}),
      });
    const right = (): void => {
      rightHead();
      socket.end(bytes.subarray(from, to));
    };
    const half = from + ((to - from) >> 1);
    const first = layerGets === 1;
    switch (mode) {
      case 'control':
        return right();
      case 'cut':
      case 'cut-once':
        if (mode === 'cut-once' && !first) return right();
        rightHead();
        socket.write(bytes.subarray(from, half), () => setTimeout(() => socket.destroy(), 20));
        return;
      case 'length-larger':
      case 'length-smaller': {
        const length = bytes.length + (mode === 'length-larger' ? 1000 : -1000);
        rawHead(socket, 'HTTP/1.1 200 OK', { 'content-length': String(length) });
        socket.write(Buffer.concat([bytes, Buffer.alloc(1000, 7)]).subarray(0, Math.max(length, bytes.length)), () => socket.end());
        return;
      }
      case 'endless-chunked':
      case 'endless-close': {
        rawHead(socket, 'HTTP/1.1 200 OK', mode === 'endless-chunked' ? { 'transfer-encoding': 'chunked' } : { connection: 'close' });
        const piece = Buffer.alloc(64 * 1024, 1);
        while (!socket.destroyed) {
          const ok = socket.write(
            mode === 'endless-chunked' ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]) : piece,
          );
          if (!ok) await new Promise((r) => socket.once('drain', r).once('close', r));
        }
        return;
      }
      case 'stall':
      case 'stall-once':
        if (mode === 'stall-once' && !first) return right();
        rightHead();
        socket.write(bytes.subarray(from, half));
        return;
      case 'stall-head':
        return;
      case 'slow':
        rawHead(socket, partial ? 'HTTP/1.1 206 Partial Content' : 'HTTP/1.1 200 OK', {
          'content-length': String(to - from),
          ...(partial ? { 'content-range': `bytes ${from}-${to - 1}/${bytes.length}` } : {}),
        });
        for (let at = from; at < to && !socket.destroyed; at += 64 * 1024) {
          socket.write(bytes.subarray(at, Math.min(to, at + 64 * 1024)));
          await sleep(150);
        }
        return void socket.end();
      case 'wrong-bytes': {
        const other = Buffer.from(bytes);
        other[other.length >> 1] = (other[other.length >> 1] as number) ^ 0xff;
        rawHead(socket, 'HTTP/1.1 200 OK', { 'content-length': String(other.length) });
        return void socket.end(other);
      }
      case 'chunked':
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        for (let at = 0; at < bytes.length; at += 100_000) res.write(bytes.subarray(at, at + 100_000));
        return void res.end();
      case 'extra-bytes':
        rawHead(socket, 'HTTP/1.1 200 OK', { 'content-length': String(bytes.length) });
        return void socket.end(Buffer.concat([bytes, Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\njunk!')]));
      case 'http10':
        socket.write(`HTTP/1.0 200 OK\r\ncontent-length: ${bytes.length}\r\n\r\n`);
        socket.write(bytes, () => socket.end());
        return;
      case 'redirect-loop':
        res.writeHead(307, { location: rec.url, 'content-length': '0' });
        return void res.end();
    }
  });
  return {
    host: server.host,
    url: server.url,
    image,
    layer,
    requests: server.requests,
    close: async () => {
      for (const s of held) s.destroy();
      await (server as ScriptedServer).close();
      server = undefined;
    },
  };
}
