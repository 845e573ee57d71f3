import { connect as netConnect, isIP, type LookupFunction, type Socket } from 'node:net';
import type { ConnectionOptions, TLSSocket } from 'node:tls';

/** What to connect to: the host and port of an origin, and a socket to run TLS over (a proxy tunnel). */
export interface SocketTarget {
  hostname: string;
  protocol: string;
  port?: string;
  /** Run TLS over this socket instead of a new TCP connection (undici's name for it). */
  httpSocket?: Socket;
  /** TLS server name; default the hostname unless it is an IP address. */
  servername?: string;
}

/** Options of {@link socketConnector}: TLS options (https only), plus the connection's own. */
export interface SocketConnectOptions {
  /** Milliseconds a TCP connect plus TLS handshake may take; default 10 000. */
  timeout?: number;
  lookup?: LookupFunction;
  /** tls.connect options for https (secureContext, rejectUnauthorized). */
  tls?: ConnectionOptions;
  /** Extra net.connect/tls.connect options (the fast path's `onread`). */
  socketOptions?: Record<string, unknown>;
  /**
   * TLS sessions to resume, by server name. One cache per set of TLS options (a resumed session
   * skips certificate verification, so it must never cross to a connector that trusts differently).
   */
  sessions?: TlsSessions;
}

/** Resumable TLS sessions by server name, as undici's connector keeps them (up to 100). */
export class TlsSessions {
  private readonly byName = new Map<string, Buffer>();
  /** The session for `name`, if one was kept. */
  get(name: string): Buffer | undefined {
    return this.byName.get(name);
  }
  /** Keeps `session` for `name`, forgetting the oldest beyond 100. */
  set(name: string, session: Buffer): void {
    this.byName.delete(name);
    this.byName.set(name, session);
    if (this.byName.size > MAX_SESSIONS) this.byName.delete(this.byName.keys().next().value as string);
  }
  /** Forgets `name`'s session (its connection failed). */
  delete(name: string): void {
    this.byName.delete(name);
  }
}

/** Callback of a connector, as undici's `connect` option expects it. */
export type SocketCallback = (err: Error | null, socket: Socket | TLSSocket | null) => void;

const MAX_SESSIONS = 100;

function connectTimeoutError(host: string, ms: number): Error {
  return Object.assign(new Error(`Connect Timeout Error (attempted address: ${host}, timeout: ${ms}ms)`), {
    name: 'ConnectTimeoutError',
    code: 'UND_ERR_CONNECT_TIMEOUT',
  });
}

/**
 * Opens one TCP or TLS connection the way undici's connector does (keep-alive probes, no Nagle,
 * ALPN http/1.1, resumed TLS sessions, a connect timeout with undici's error code), without loading
 * undici: a run that needs only the socket fast path (a re-pull's manifest request) never loads
 * it. node:tls is taken on the first TLS connection.
 */
export function openSocket(target: SocketTarget, options: SocketConnectOptions, callback: SocketCallback): void {
  const port = Number(target.port) || (target.protocol === 'https:' ? 443 : 80);
  const host = target.hostname.replace(/^\[|\]$/g, '');
  const timeoutMs = options.timeout ?? 10_000;
  let settled = false;
  const done = (err: Error | null, socket: Socket | null): void => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    callback(err, socket);
  };
  let socket: Socket;
  if (target.protocol === 'https:') {
    const tls = process.getBuiltinModule('node:tls') as typeof import('node:tls');
    const servername = target.servername ?? (isIP(host) ? undefined : host);
    const sessionKey = servername ?? host;
    const tlsSocket = tls.connect({
      highWaterMark: 16_384,
      ...options.tls,
      ...options.socketOptions,
      ...(servername ? { servername } : {}),
      ...(options.sessions?.get(sessionKey) ? { session: options.sessions.get(sessionKey) as Buffer } : {}),
      ALPNProtocols: ['http/1.1'],
      ...(target.httpSocket ? { socket: target.httpSocket } : { host, port, ...(options.lookup ? { lookup: options.lookup } : {}) }),
    } as unknown as ConnectionOptions);
    tlsSocket.on('session', (session: Buffer) => options.sessions?.set(sessionKey, session));
    tlsSocket.once('error', () => options.sessions?.delete(sessionKey));
    tlsSocket.once('secureConnect', () => done(null, tlsSocket));
    socket = tlsSocket;
  } else {
    socket = netConnect({ highWaterMark: 64 * 1024, ...options.socketOptions, host, port, ...(options.lookup ? { lookup: options.lookup } : {}) } as never);
    socket.once('connect', () => done(null, socket));
  }
  socket.setNoDelay(true);
  socket.setKeepAlive(true, 60_000);
  socket.on('error', (err) => {
    if (settled) return;
    socket.destroy();
    done(err, null);
  });
  const timer = setTimeout(() => {
    socket.destroy();
    done(connectTimeoutError(host, timeoutMs), null);
  }, timeoutMs);
}
