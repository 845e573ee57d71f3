import { RegistryError, type ErrorKind } from '../errors.js';
import { readStream } from '../content/read-all.js';
import type { TransportResponse } from '../http/transport.js';
import { discard } from '../util/discard.js';
import { lazySchema } from '../util/lazy-schema.js';

const errorBody = lazySchema((z) =>
  z.looseObject({
    errors: z.array(z.looseObject({ code: z.string().optional(), message: z.string().optional() })).optional(),
  }),
);

const NOT_FOUND_CODES = new Set(['MANIFEST_UNKNOWN', 'NAME_UNKNOWN', 'BLOB_UNKNOWN', 'BLOB_UPLOAD_UNKNOWN']);

/**
 * Turns an unexpected registry answer into a one-line RegistryError (distribution-spec "Error Codes"):
 * 404 or *_UNKNOWN → not found (exit 3); 401/403 → auth (4); 429 and 5xx → network (5, retries are
 * spent by then); anything else → failed (1). `what` names the thing asked for, e.g. "manifest docker.io/library/node:latest".
 */
export async function responseError(res: TransportResponse, method: string, url: string, what: string): Promise<RegistryError> {
  let codes: string[] = [];
  let message: string | undefined;
  try {
    const text = (await readStream(res.body, 64 * 1024, 'error body')).toString('utf8');
    const doc: unknown = JSON.parse(text);
    const parsed = (await errorBody()).safeParse(doc);
    if (parsed.success) {
      codes = (parsed.data.errors ?? []).map((e) => e.code ?? '').filter(Boolean);
      message = parsed.data.errors?.[0]?.message;
    }
  } catch {
    discard(res);
  }
  const host = new URL(url).host;
  let kind: ErrorKind = 'failed';
  let text: string;
  if (res.status === 404 || codes.some((c) => NOT_FOUND_CODES.has(c))) {
    kind = 'not-found';
    text = `${what} not found${message ? ` (${message})` : ''}`;
  } else if (res.status === 401 || res.status === 403) {
    kind = 'auth';
    text = `access to ${what} denied${message ? `: ${message}` : ''}`;
  } else if (res.status === 429 || res.status >= 500) {
    kind = 'network';
    text = `registry ${host} answered ${res.status} for ${what}${message ? `: ${message}` : ''}`;
  } else {
    text = `registry ${host} refused ${method} for ${what}: ${res.status}${message ? ` ${message}` : ''}`;
  }
  return new RegistryError(kind, text, { status: res.status, method, url, codes });
}
