import { RegctlError, errnoCode } from '../errors.js';

/** Node/OpenSSL codes meaning the peer's certificate could not be verified. */
const TLS_VERIFY_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'INVALID_CA',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
]);

/** Codes seen when a TLS client talks to a server that only speaks plain HTTP. */
const NOT_TLS_CODES = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG', 'EPROTO', 'ECONNRESET']);

/** Readable names for the undici error codes a user may meet. */
const UNDICI_REASONS: Record<string, string> = {
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_HEADERS_TIMEOUT: 'no response within the timeout (--timeout)',
  UND_ERR_BODY_TIMEOUT: 'the response stalled: no data within the timeout (--timeout)',
  UND_ERR_SOCKET: 'the connection was closed',
  REGCTL_SEND_STALLED: 'the server stopped taking the upload: no progress within the timeout (--timeout)',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'the connection was closed before the whole body arrived',
  UND_ERR_CLOSED: 'the connection was closed',
  ECONNRESET: 'the connection was reset',
  EPIPE: 'the connection was closed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

/**
 * Connection failures worth another attempt: resets, closes and stalls. A refused connection, an
 * unknown host or a certificate problem is reported at once; so is a server that never answers
 * (its headers time out): one wait of --timeout is enough.
 */
export const RETRY_ERROR_CODES: readonly string[] = [
  'ECONNRESET',
  'EPIPE',
  'UND_ERR_SOCKET',
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'ENETDOWN',
  'EHOSTDOWN',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
];

/** True when `err` (or one of its causes) is a connection failure another attempt may get past; see RETRY_ERROR_CODES. */
export function isTransientNetworkError(err: unknown): boolean {
  const code = deepCode(err);
  return code !== undefined && RETRY_ERROR_CODES.includes(code);
}

/** The innermost error code of an error or of its causes. */
export function deepCode(err: unknown): string | undefined {
  let cur: unknown = err;
  for (let i = 0; i < 5 && cur; i++) {
    const code = errnoCode(cur);
    if (code && code !== 'UND_ERR_REQ_RETRY') return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The CA files configured for the host, as the TLS connector noted them on a failed handshake. */
function trustNote(err: unknown): string[] {
  let cur: unknown = err;
  for (let i = 0; i < 5 && cur; i++) {
    const files = (cur as { regctlTrust?: { hostFiles?: string[] } }).regctlTrust?.hostFiles;
    if (files) return files;
    cur = (cur as { cause?: unknown }).cause;
  }
  return [];
}

/** True when the error is an abort requested by the caller (it must pass through unchanged). */
export function isAbortError(err: unknown): boolean {
  const e = err as { name?: string; code?: string } | undefined;
  return e?.name === 'AbortError' || e?.code === 'UND_ERR_ABORTED' || e?.code === 'ABORT_ERR';
}

/** True when a TLS handshake failed because the server answered in plain HTTP. */
export function isPlainHttpAnswer(err: unknown): boolean {
  const code = deepCode(err);
  if (code && NOT_TLS_CODES.has(code)) return true;
  return /wrong version number|packet length too long|http request/i.test(String((err as Error | undefined)?.message ?? ''));
}

/**
 * Turns a low-level connection error into a one-line RegctlError of kind 'network' naming the host
 * (SPEC §4); RegctlErrors and caller aborts pass through unchanged.
 */
export function toNetworkError(err: unknown, url: string | URL): unknown {
  if (err instanceof RegctlError || isAbortError(err)) return err;
  const u = typeof url === 'string' ? new URL(url) : url;
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  const code = deepCode(err);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new RegctlError('network', `cannot resolve host "${host}"`, { cause: err });
  }
  if (code === 'ECONNREFUSED') {
    return new RegctlError('network', `connection refused by ${host}:${port}`, { cause: err });
  }
  if (code && TLS_VERIFY_CODES.has(code)) {
    const hostFiles = trustNote(err);
    // When CAs are configured for the host, suggesting to configure one would send the user in circles.
    const hint = hostFiles.length
      ? ` with the CAs configured for it (${hostFiles.join(', ')}) and the system store; check which CA signed the registry's certificate`
      : `; pass --ca-cert FILE, set "ca" for this registry in the config, or add the CA to certs.d or the system store`;
    return new RegctlError('network', `TLS certificate of ${u.host} cannot be verified (${code})${hint}`, { cause: err });
  }
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG') {
    return new RegctlError('network', `${u.host} does not speak TLS; if it is a plain-HTTP registry pass --insecure-registry ${u.host}`, { cause: err });
  }
  const reason = (code && UNDICI_REASONS[code]) ?? (code ? `${code}` : String((err as Error | undefined)?.message ?? err));
  return new RegctlError('network', `network error talking to ${u.host}: ${reason}`, { cause: err });
}
