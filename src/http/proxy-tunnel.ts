import type { Socket } from 'node:net';
import { RegctlError } from '../errors.js';
import { toNetworkError } from './errors.js';
import type { ProxyEndpoint } from './proxy-env.js';
import { finalConnectError, type Connector } from './tls-connector.js';

/** The Proxy-Authorization value for a proxy URL's user info, or undefined when it has none. */
export function proxyAuthorization(url: URL): string | undefined {
  if (!url.username && !url.password) return undefined;
  const user = decodeURIComponent(url.username);
  const pass = decodeURIComponent(url.password);
  return `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
}

/** How the proxy is named in messages: the variable and the proxy's scheme and host, never its user info. */
export function describeProxy(proxy: ProxyEndpoint): string {
  return `${proxy.variable}=${proxy.url.protocol}//${proxy.url.host}`;
}

/** Longest CONNECT answer head accepted, and how long the proxy may take to open the tunnel. */
const MAX_HEAD = 16 * 1024;
const TUNNEL_TIMEOUT_MS = 30_000;

type Callback = (err: Error | null, socket: Socket | null) => void;

/**
 * Opens a CONNECT tunnel (RFC 9110 §9.3.6) to `target` ("host:port") through `proxy`, reaching the
 * proxy itself with `connectProxy` (TCP, or TLS for an https:// proxy, with that host's trust).
 * The callback gets the socket, paused, carrying the target's bytes; or a one-line RegctlError.
 */
export function openTunnel(proxy: ProxyEndpoint, target: string, connectProxy: Connector, callback: Callback): void {
  const u = proxy.url;
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  connectProxy({ hostname: u.hostname, host: u.host, protocol: u.protocol, port }, (err, socket) => {
    if (err || !socket) {
      const reason = toNetworkError(err, u) as Error;
      const failure = new RegctlError('network', `cannot reach the proxy ${describeProxy(proxy)}: ${reason.message}`, { cause: err });
      // The proxy's own error code decides about a retry, as for a direct connection.
      callback(finalConnectError(failure, (err as { code?: string } | null)?.code ?? 'REGCTL_PROXY'), null);
      return;
    }
    handshake(socket as Socket, proxy, target, callback);
  });
}

function handshake(socket: Socket, proxy: ProxyEndpoint, target: string, callback: Callback): void {
  let head = Buffer.alloc(0);
  let done = false;
  const finish = (err: Error | null): void => {
    if (done) return;
    done = true;
    socket.off('data', onData).off('error', onError).off('close', onClose);
    socket.setTimeout(0);
    if (err) {
      socket.destroy();
      callback(finalConnectError(err, 'REGCTL_PROXY'), null);
    } else {
      socket.pause();
      callback(null, socket);
    }
  };
  const onError = (err: Error): void => {
    const failure = new RegctlError('network', `the proxy ${describeProxy(proxy)} failed while opening a tunnel to ${target}: ${err.message}`, { cause: err });
    finish(finalConnectError(failure, (err as { code?: string }).code ?? 'REGCTL_PROXY'));
  };
  const onClose = (): void =>
    finish(new RegctlError('network', `the proxy ${describeProxy(proxy)} closed the connection instead of opening a tunnel to ${target}`));
  const onData = (chunk: Buffer): void => {
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) {
      if (head.length > MAX_HEAD) finish(new RegctlError('network', `the proxy ${describeProxy(proxy)} sent an oversized answer to CONNECT ${target}`));
      return;
    }
    const status = /^HTTP\/1\.[01] (\d{3}) ?([^\r\n]*)/.exec(head.subarray(0, end).toString('latin1'));
    const code = status ? Number(status[1]) : 0;
    if (code >= 200 && code < 300) {
      // Bytes after the answer already belong to the target (none for TLS: the client speaks first).
      const rest = head.subarray(end + 4);
      if (rest.length > 0) socket.unshift(rest);
      finish(null);
      return;
    }
    const what = status ? `${code} ${status[2] ?? ''}`.trim() : 'a malformed answer';
    if (code === 407) {
      finish(
        new RegctlError('auth', `the proxy ${describeProxy(proxy)} requires authentication (407) for CONNECT ${target}: put user:password in the proxy URL`),
      );
    } else {
      finish(new RegctlError('network', `the proxy ${describeProxy(proxy)} refused CONNECT ${target}: ${what}`));
    }
  };
  socket.on('data', onData).on('error', onError).on('close', onClose);
  socket.setTimeout(TUNNEL_TIMEOUT_MS, () => {
    const failure = new RegctlError('network', `the proxy ${describeProxy(proxy)} did not open a tunnel to ${target} within ${TUNNEL_TIMEOUT_MS / 1000} s`);
    finish(finalConnectError(failure, 'ETIMEDOUT'));
  });
  const auth = proxyAuthorization(proxy.url);
  socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n${auth ? `Proxy-Authorization: ${auth}\r\n` : ''}\r\n`);
}
