import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Options of {@link startRateLimitProxy}. */
export interface RateLimitProxyOptions {
  /** Pulls left at the start. */
  remaining: number;
  /** The window's pull allowance sent as `ratelimit-limit`; default 100. */
  limit?: number;
  /** Window in seconds; default 21600 (Docker Hub's six hours). */
  window?: number;
}

/** A running proxy. */
export interface RateLimitProxy {
  /** `127.0.0.1:PORT`, to use as the registry host. */
  host: string;
  /** Pulls left now. */
  remaining(): number;
  /** Manifest GETs counted so far. */
  pulls(): number;
  close(): Promise<void>;
}

const MANIFEST = /^\/v2\/.+\/manifests\/[^/]+$/;

/**
 * A forwarding node:http proxy in front of a test registry that behaves like Docker Hub's pull
 * limit: every manifest GET counts one pull, and every manifest answer (GET or HEAD; HEAD is free)
 * carries `ratelimit-limit` and `ratelimit-remaining` in Docker Hub's `N;w=21600` form. Once no
 * pull is left, a manifest GET is answered 429 with Retry-After, as Docker Hub does.
 */
export async function startRateLimitProxy(upstream: string, options: RateLimitProxyOptions): Promise<RateLimitProxy> {
  const target = new URL(upstream);
  let remaining = options.remaining;
  let pulls = 0;
  const window = options.window ?? 21600;
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const manifest = MANIFEST.test(path);
    const limits: IncomingHttpHeaders = {};
    if (manifest) {
      if (req.method === 'GET') {
        if (remaining <= 0) {
          req.resume();
          res.writeHead(429, { 'retry-after': '3600', 'content-type': 'application/json', 'ratelimit-remaining': `0;w=${window}` });
          res.end('{"errors":[{"code":"TOOMANYREQUESTS","message":"You have reached your pull rate limit."}]}');
          return;
        }
        remaining--;
        pulls++;
      }
      limits['ratelimit-limit'] = `${options.limit ?? 100};w=${window}`;
      limits['ratelimit-remaining'] = `${remaining};w=${window}`;
    }
    const forward = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
      (up) => {
        res.writeHead(up.statusCode ?? 502, { ...up.headers, ...limits });
        up.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    remaining: () => remaining,
    pulls: () => pulls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
