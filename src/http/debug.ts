import type { Dispatcher } from 'undici';
import { redactForm, redactHeader, redactUrl } from './redact.js';

/** A sink for one line of debug output. */
export type DebugSink = (line: string) => void;

type Headers = Record<string, string | string[] | undefined>;

/** Normalizes undici's request header shapes into name/value pairs. */
export function headerPairs(headers: Dispatcher.DispatchOptions['headers']): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (!headers) return out;
  if (Array.isArray(headers)) {
    if (headers.length > 0 && Array.isArray(headers[0])) {
      for (const [k, v] of headers as unknown as Array<[string, string]>) out.push([String(k), String(v)]);
    } else {
      for (let i = 0; i + 1 < headers.length; i += 2) out.push([String(headers[i]), String(headers[i + 1])]);
    }
    return out;
  }
  const entries = Symbol.iterator in headers ? [...(headers as Iterable<[string, unknown]>)] : Object.entries(headers);
  for (const [k, v] of entries) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) out.push([k, String(one)]);
  }
  return out;
}

/** Request body shown in the log only when it is a small form (token requests); never a blob. */
function bodyLine(opts: Dispatcher.DispatchOptions): string | undefined {
  const type = headerPairs(opts.headers).find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded')) return undefined;
  const b = opts.body;
  if (typeof b === 'string') return redactForm(b);
  if (Buffer.isBuffer(b) && b.length < 4096) return redactForm(b.toString('utf8'));
  return undefined;
}

/** Writes a request line and its headers, redacted, as `--debug` shows them. */
export function logRequest(sink: DebugSink, method: string, url: string, headers: Array<[string, string]>): void {
  sink(`> ${method} ${url}`);
  for (const [k, v] of headers) sink(`> ${k.toLowerCase()}: ${redactHeader(k, v)}`);
}

/** Writes a status line (with the time since `started`) and the response headers, redacted. */
export function logResponse(sink: DebugSink, method: string, url: string, status: number, msg: string, headers: Headers, started: number): void {
  sink(`< ${status} ${msg} ${method} ${url} (${Date.now() - started} ms)`.replace(/\s+/g, ' '));
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) sink(`< ${k}: ${redactHeader(k, one)}`);
  }
}

/**
 * An undici interceptor that writes each request line with its headers and each response status line
 * with its headers to `sink`, with every credential redacted (SPEC §4 `--debug`).
 */
export function debugInterceptor(sink: DebugSink): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) => (opts, handler) => {
    const url = redactUrl(`${String(opts.origin ?? '')}${opts.path}`);
    const started = Date.now();
    logRequest(sink, opts.method, url, headerPairs(opts.headers));
    const form = bodyLine(opts);
    if (form !== undefined) sink(`> (form) ${form}`);
    const wrapped: Dispatcher.DispatchHandler = {
      onRequestStart: (c, ctx) => handler.onRequestStart?.(c, ctx),
      onRequestUpgrade: (c, s, h, sock) => handler.onRequestUpgrade?.(c, s, h, sock),
      onResponseStart: (c, status, headers: Headers, msg) => {
        logResponse(sink, opts.method, url, status, msg ?? '', headers, started);
        handler.onResponseStart?.(c, status, headers, msg);
      },
      onResponseData: (c, chunk) => handler.onResponseData?.(c, chunk),
      onResponseEnd: (c, trailers) => handler.onResponseEnd?.(c, trailers),
      onResponseError: (c, err) => {
        sink(`! ${opts.method} ${url}: ${(err as { code?: string }).code ?? err.name}`);
        handler.onResponseError?.(c, err);
      },
    };
    return dispatch(opts, wrapped);
  };
}
