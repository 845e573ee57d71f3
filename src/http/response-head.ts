/** An HTTP/1.x response head: status line and header fields (RFC 9112 §4, §5). */
export interface ResponseHead {
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  minor: 0 | 1;
  status: number;
  reason: string;
  /** Header fields with lower-case names; a repeated field gives an array. */
  headers: Record<string, string | string[]>;
}

/** How the body of a response is delimited, as far as the fast path accepts it. */
export type BodyFraming = { kind: 'length'; length: number } | { kind: 'chunked' } | { kind: 'none' } | { kind: 'unsupported'; why: string };

/** Longest response head the fast path parses; a longer one goes to undici (which refuses it with its own error). */
export const MAX_HEAD_BYTES = 64 * 1024;

const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: ([^\r\n]*))?$/;
const FIELD_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Where the head ends in `bytes` (the index after CRLF CRLF), or -1 when it has not all arrived. */
export function headEnd(bytes: Uint8Array): number {
  const at = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf('\r\n\r\n', 0, 'latin1');
  return at < 0 ? -1 : at + 4;
}

/**
 * Parses a response head (without the final empty line). Anything unusual — another HTTP version,
 * a malformed status line or field, obsolete line folding — gives undefined: the fast path then
 * hands the request to undici, never guesses.
 */
export function parseResponseHead(text: string): ResponseHead | undefined {
  const lines = text.split('\r\n');
  const status = STATUS_LINE.exec(lines[0] ?? '');
  if (!status) return undefined;
  const headers: Record<string, string | string[]> = {};
  for (const line of lines.slice(1)) {
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    const name = line.slice(0, colon);
    if (!FIELD_NAME.test(name)) return undefined;
    const value = line.slice(colon + 1).trim();
    if (/[\0\r\n]/.test(value)) return undefined;
    const key = name.toLowerCase();
    const prev = headers[key];
    headers[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return { minor: status[1] === '1' ? 1 : 0, status: Number(status[2]), reason: status[3] ?? '', headers };
}

/**
 * The framing of a GET response's body (RFC 9112 §6.3), restricted to what the fast path reads: a
 * `Content-Length` (repeated only with one value), `Transfer-Encoding: chunked` alone, or no body
 * for 204 and 304. Close-delimited bodies, other codings and 1xx answers are left to undici.
 */
export function bodyFraming(head: ResponseHead): BodyFraming {
  if (head.status < 200) return { kind: 'unsupported', why: `interim status ${head.status}` };
  if (head.status === 204 || head.status === 304) return { kind: 'none' };
  const coding = head.headers['transfer-encoding'];
  if (coding !== undefined) {
    // Chunked alone (RFC 9112 §6.1); a Content-Length beside it is a smuggling sign, other codings are undici's.
    if (typeof coding !== 'string' || coding.trim().toLowerCase() !== 'chunked') return { kind: 'unsupported', why: 'Transfer-Encoding' };
    if (head.headers['content-length'] !== undefined) return { kind: 'unsupported', why: 'Transfer-Encoding with Content-Length' };
    return { kind: 'chunked' };
  }
  const raw = head.headers['content-length'];
  if (raw === undefined) return { kind: 'unsupported', why: 'no Content-Length' };
  const values = new Set((Array.isArray(raw) ? raw : [raw]).flatMap((v) => v.split(',').map((x) => x.trim())));
  if (values.size !== 1) return { kind: 'unsupported', why: 'conflicting Content-Length' };
  const value = [...values][0] ?? '';
  if (!/^\d{1,15}$/.test(value)) return { kind: 'unsupported', why: 'invalid Content-Length' };
  return { kind: 'length', length: Number(value) };
}
