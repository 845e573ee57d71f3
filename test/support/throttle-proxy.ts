import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request the proxy passed on, and what it sent back. */
export interface ProxiedRequest {
  method: string;
  url: string;
  /** The request's Range header, if any. */
  range?: string;
  /** The request's If-Range header, if any. */
  ifRange?: string;
  status: number;
  /** Body bytes written to the client (less than the answer's when the client went away). */
  bytes: number;
  /** When the request came in and when its answer ended (Date.now()). */
  start: number;
  end: number;
}

/** Options of {@link startThrottleProxy}. */
export interface ThrottleOptions {
  /** Bytes per second each client connection may receive; default unlimited. */
  bytesPerSecond?: number;
  /** Drop the Range and If-Range headers (a server that ignores ranges: 200 with the whole body). */
  ignoreRange?: boolean;
}

/** A running reverse proxy in front of one HTTP origin. */
export interface ThrottleProxy {
  /** `127.0.0.1:PORT`: name images through it. */
  host: string;
  url: string;
  /** Every request passed on, in order of their answers' end. */
  log: ProxiedRequest[];
  /** Changes the per-connection rate from now on (undefined: unlimited). */
  setRate(bytesPerSecond: number | undefined): void;
  close(): Promise<void>;
}

const PIECE = 64 * 1024;
const BURST_MS = 100;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * A reverse proxy (node:http on 127.0.0.1:0) in front of `upstream` (e.g. the test registry) that
 * caps each client connection's download rate, as CDNs and object stores do, and logs every request
 * with its Range header and the body bytes it sent: the referee for resume and parallel-segment tests
 * and for the range benchmark.
 */
export async function startThrottleProxy(upstream: string, options: ThrottleOptions = {}): Promise<ThrottleProxy> {
  const target = new URL(upstream);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  let rate = options.bytesPerSecond;
  const log: ProxiedRequest[] = [];
  const nextFree = new WeakMap<Socket, number>();

  const send = async (client: ServerResponse, from: IncomingMessage, entry: ProxiedRequest): Promise<void> => {
    const socket = client.socket as Socket;
    for await (const chunk of from as AsyncIterable<Buffer>) {
      for (let at = 0; at < chunk.length; at += PIECE) {
        if (client.destroyed) return;
        const piece = chunk.subarray(at, at + PIECE);
        if (rate) {
          const now = Date.now();
          // Up to BURST_MS of time lost to a late timer is made up, so the cap holds on a busy machine too.
          const free = Math.max(now - BURST_MS, nextFree.get(socket) ?? now);
          nextFree.set(socket, free + (piece.length * 1000) / rate);
          if (free > now) await sleep(free - now);
        }
        if (client.destroyed) return;
        if (!client.write(piece)) {
          // A client that went away never drains.
          await new Promise<void>((r) => {
            const done = (): void => {
              client.off('drain', done).off('close', done);
              r();
            };
            client.once('drain', done).once('close', done);
          });
        }
        entry.bytes += piece.length;
      }
    }
  };

  const server = createServer((req, res) => {
    const headers: Record<string, string | string[] | undefined> = { ...req.headers, host: target.host };
    if (options.ignoreRange) {
      delete headers['range'];
      delete headers['if-range'];
    }
    const entry: ProxiedRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      ...(req.headers.range ? { range: req.headers.range } : {}),
      ...(req.headers['if-range'] ? { ifRange: String(req.headers['if-range']) } : {}),
      status: 0,
      bytes: 0,
      start: Date.now(),
      end: 0,
    };
    const up = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent }, (answer) => {
      entry.status = answer.statusCode ?? 0;
      res.writeHead(entry.status, answer.headers);
      send(res, answer, entry)
        .then(() => res.end())
        .catch(() => res.destroy())
        .finally(() => {
          entry.end = Date.now();
          log.push(entry);
        });
    });
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    req.pipe(up);
    res.on('close', () => up.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    log,
    setRate: (r) => {
      rate = r;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        agent.destroy();
        server.close(() => resolve());
      }),
  };
}
