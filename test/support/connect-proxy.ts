import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect as netConnect, isIP, type AddressInfo, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** One request the proxy handled. */
export interface ProxyLogEntry {
  /** "CONNECT" for a tunnel, else the forwarded method. */
  method: string;
  /** "host:port" for CONNECT, the absolute URL for a forwarded request. */
  target: string;
  /** The status the proxy answered (200 for an opened tunnel). */
  status: number;
  /** The Proxy-Authorization header it received, if any. */
  proxyAuthorization?: string;
}

/** Settings of {@link startConnectProxy}. */
export interface ConnectProxyOptions {
  /** Names the proxy resolves itself (e.g. `registry.regctl.test` → `127.0.0.1`); every other target must be loopback. */
  hosts?: Record<string, string>;
  /** When set, requests without this Proxy-Authorization value get 407. */
  requireAuthorization?: string;
}

/** A running test proxy on 127.0.0.1. */
export interface ConnectProxy {
  /** "http://127.0.0.1:PORT". */
  url: string;
  port: number;
  /** Everything handled, in order. */
  log: ProxyLogEntry[];
  /** Stops the proxy and its tunnels. */
  close(): Promise<void>;
}

function isLoopbackAddress(address: string): boolean {
  return address === 'localhost' || address === '::1' || (isIP(address) === 4 && address.startsWith('127.'));
}

/**
 * Starts an HTTP proxy on 127.0.0.1:0 that opens CONNECT tunnels (node:http's `connect` event) and
 * forwards absolute-form requests, logging each. Tests talk only to loopback: a target that is not
 * loopback after the `hosts` mapping is refused with 403 and never contacted.
 */
export async function startConnectProxy(options: ConnectProxyOptions = {}): Promise<ConnectProxy> {
  const log: ProxyLogEntry[] = [];
  const sockets = new Set<Duplex>();
  const resolveHost = (host: string): string | undefined => {
    const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
    const mapped = options.hosts?.[bare] ?? bare;
    return isLoopbackAddress(mapped) ? mapped : undefined;
  };
  const authorized = (req: IncomingMessage): boolean => !options.requireAuthorization || req.headers['proxy-authorization'] === options.requireAuthorization;
  const entry = (req: IncomingMessage, target: string, status: number): void => {
    const auth = req.headers['proxy-authorization'];
    log.push({ method: req.method ?? '', target, status, ...(auth ? { proxyAuthorization: auth } : {}) });
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const target = req.url ?? '';
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      entry(req, target, 400);
      res.writeHead(400).end('absolute-form request expected');
      return;
    }
    if (!authorized(req)) {
      entry(req, target, 407);
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="test-proxy"' }).end();
      return;
    }
    const address = resolveHost(url.hostname);
    if (!address) {
      entry(req, target, 403);
      res.writeHead(403).end('test proxy: only loopback targets');
      return;
    }
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    const up = httpRequest({ host: address, port: url.port || 80, method: req.method, path: `${url.pathname}${url.search}`, headers }, (r) => {
      entry(req, target, r.statusCode ?? 0);
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => {
      entry(req, target, 502);
      res.writeHead(502).end();
    });
    req.pipe(up);
  });

  server.on('connect', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const target = req.url ?? '';
    const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(target);
    const refuse = (status: number, text: string): void => {
      entry(req, target, status);
      socket.end(`HTTP/1.1 ${status} ${text}\r\n${status === 407 ? 'Proxy-Authenticate: Basic realm="test-proxy"\r\n' : ''}Content-Length: 0\r\n\r\n`);
    };
    if (!m) return refuse(400, 'Bad Request');
    if (!authorized(req)) return refuse(407, 'Proxy Authentication Required');
    const address = resolveHost(m[1]!);
    if (!address) return refuse(403, 'Forbidden');
    let opened = false;
    const up: Socket = netConnect(Number(m[2]), address, () => {
      opened = true;
      entry(req, target, 200);
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) up.write(head);
      up.pipe(socket);
      socket.pipe(up);
    });
    sockets.add(up);
    up.on('close', () => sockets.delete(up));
    up.on('error', () => {
      if (!opened) refuse(502, 'Bad Gateway');
      else socket.destroy();
    });
    socket.on('close', () => up.destroy());
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    log,
    close: async () => {
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
