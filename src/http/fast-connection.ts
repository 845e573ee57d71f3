import type { Socket } from 'node:net';
import { FastExchange, type ExchangeHost } from './fast-exchange.js';
import type { Connector } from './tls-connector.js';

/**
 * Bytes of the one read buffer each fast connection owns. Measured (issue 13): reading 256 MiB
 * through one reused 1 MiB buffer cost 0.32 CPU-s against 0.53 with 64 KiB and 1.21 through undici.
 */
export const READ_BUFFER_BYTES = 1024 * 1024;

/**
 * One HTTP/1.1 connection of the blob fast path. The socket reads with `onread` into one reused
 * buffer (no allocation per read, no stream machinery); a socket that cannot (TLS through a proxy
 * tunnel) delivers the same bytes by 'data' events. Each request is a {@link FastExchange}.
 */
export class FastConnection implements ExchangeHost {
  /** "http://host:port" or "https://host:port". */
  readonly origin: string;
  /** Requests answered in full on this connection. */
  served = 0;
  /** True while a request body is still being written: an answer that ends meanwhile leaves the connection unusable. */
  bodyPending = false;
  private socket: Socket | undefined;
  private readonly buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  private exchange: FastExchange | undefined;
  private timeoutMs = 0;
  private closed = false;
  private onIdleEnd: (() => void) | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private release: ((conn: FastConnection, reusable: boolean) => void) | undefined;

  private constructor(origin: string) {
    this.origin = origin;
  }

  /** Opens a connection to `url`'s origin through `connect` (per-host TLS, proxy tunnels: the transport's own). */
  static open(connect: Connector, url: URL): Promise<FastConnection> {
    const conn = new FastConnection(url.origin);
    const onread = { buffer: conn.buffer, callback: (n: number, buf: Buffer) => conn.onBytes(buf.subarray(0, n)) };
    return new Promise((resolve, reject) => {
      connect(
        {
          hostname: url.hostname.replace(/^\[|\]$/g, ''),
          host: url.host,
          protocol: url.protocol,
          port: url.port,
          socketOptions: { onread },
        },
        (err, socket) => {
          if (err || !socket) {
            reject(err ?? new Error('no socket'));
            return;
          }
          conn.attach(socket as Socket);
          resolve(conn);
        },
      );
    });
  }

  /** True while the socket can carry a request. */
  get usable(): boolean {
    return !this.closed && !!this.socket && !this.socket.destroyed;
  }

  /**
   * Sends a request head (the whole request: a GET or HEAD has no body) and returns its exchange;
   * `done` is told when the answer ended or failed. `timeoutMs` bounds every silence of the server;
   * `bodyless` says the answer has no body whatever its head says (a HEAD request's).
   */
  send(head: string, timeoutMs: number, done: (conn: FastConnection, reusable: boolean) => void, bodyless = false): FastExchange {
    const socket = this.socket as Socket;
    const exchange = new FastExchange(this, bodyless);
    this.exchange = exchange;
    this.release = done;
    this.onIdleEnd = undefined;
    clearTimeout(this.idleTimer);
    this.timeoutMs = timeoutMs;
    socket.ref();
    socket.setTimeout(timeoutMs);
    socket.resume();
    socket.write(head, 'latin1');
    return exchange;
  }

  /**
   * Writes a piece of a request body; resolves once the socket took it (its buffer may then be
   * reused), rejects when the connection failed or closed meanwhile.
   */
  write(chunk: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = this.socket;
      if (!socket || this.closed) {
        reject(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }));
        return;
      }
      socket.write(chunk, (err) => (err ? reject(err) : resolve()));
    });
  }

  /** Waits idle in a pool for up to `ms`: then, or at an unexpected byte or close, it ends and calls `gone`. */
  idle(gone: () => void, ms: number): void {
    this.onIdleEnd = gone;
    this.socket?.setTimeout(0);
    this.socket?.unref();
    this.idleTimer = setTimeout(() => this.onGone(undefined), ms);
    this.idleTimer.unref();
  }

  /** Closes the socket. */
  destroy(): void {
    clearTimeout(this.idleTimer);
    this.closed = true;
    this.socket?.destroy();
  }

  pause(): void {
    // No consumer is reading: the server's silence is not a stall.
    this.socket?.setTimeout(0);
    this.socket?.pause();
  }

  resume(): void {
    this.socket?.setTimeout(this.timeoutMs);
    this.socket?.resume();
  }

  finished(reusable: boolean): void {
    this.exchange = undefined;
    this.served++;
    if (this.bodyPending) reusable = false;
    const release = this.release;
    this.release = undefined;
    if (!reusable) this.destroy();
    release?.(this, reusable && this.usable);
  }

  failed(): void {
    this.exchange = undefined;
    this.destroy();
    const release = this.release;
    this.release = undefined;
    release?.(this, false);
  }

  private attach(socket: Socket): void {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => this.onBytes(chunk));
    socket.on('timeout', () => this.exchange?.onTimeout());
    socket.on('error', (err) => this.onGone(err));
    socket.on('close', () => this.onGone(undefined));
  }

  private onBytes(chunk: Buffer): void {
    if (this.exchange) this.exchange.onBytes(chunk);
    else this.onGone(undefined);
  }

  private onGone(err: Error | undefined): void {
    this.closed = true;
    this.socket?.destroy();
    if (this.exchange) this.exchange.onClose(err);
    else if (this.onIdleEnd) {
      const gone = this.onIdleEnd;
      this.onIdleEnd = undefined;
      gone();
    }
  }
}
