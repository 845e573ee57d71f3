import { RegctlError } from '../errors.js';
import type { TransportResponse } from '../http/transport.js';
import { discard } from '../util/discard.js';
import { lazySchema } from '../util/lazy-schema.js';
import { readStream } from '../content/read-all.js';
import { findChallenge, type Challenge } from './challenge.js';
import { scopeRepositories } from './scope.js';

const errorBodySchema = lazySchema((z) => z.looseObject({ errors: z.array(z.looseObject({ message: z.string().optional() })).optional() }));

/** "host/repo" (or "host") for messages. */
export function describeTarget(host: string, scopes: readonly string[]): string {
  const repos = scopeRepositories(scopes);
  return repos.length ? `${host}/${repos[0]}` : host;
}

/** The error for a 401 that authenticating did not cure. */
export function refusedError(host: string, scopes: readonly string[], challenges: readonly Challenge[], sent: string | undefined): RegctlError {
  const bearer = findChallenge(challenges, 'bearer');
  const code = bearer?.params['error'];
  const desc = bearer?.params['error_description'];
  if (code === 'insufficient_scope') {
    return new RegctlError('auth', `access to ${describeTarget(host, scopes)} denied: insufficient scope${desc ? ` (${desc})` : ''}`, {
      subject: describeTarget(host, scopes),
    });
  }
  const why = !sent
    ? challenges.length
      ? 'the registry did not accept the request'
      : 'the registry answered 401 without a supported challenge'
    : (desc ?? (code ? `${code}` : 'the credentials were rejected'));
  return new RegctlError('auth', `authentication required for ${describeTarget(host, scopes)}: ${why}`, { subject: describeTarget(host, scopes) });
}

/** The error for a 403, with the registry's own message when it gives one. */
export async function deniedError(res: TransportResponse, host: string, scopes: readonly string[]): Promise<RegctlError> {
  let detail = '';
  try {
    const doc: unknown = JSON.parse((await readStream(res.body, 64 * 1024, 'error body')).toString('utf8'));
    const parsed = (await errorBodySchema()).safeParse(doc);
    const msg = parsed.success ? parsed.data.errors?.[0]?.message : undefined;
    if (msg) detail = `: ${msg}`;
  } catch {
    discard(res);
  }
  return new RegctlError('auth', `access denied to ${describeTarget(host, scopes)}${detail}`, { subject: describeTarget(host, scopes) });
}

/**
 * The error for a 401 or 403 from the host a request was redirected to (blob storage): its challenge is
 * not the registry's, and regctl answers it with no credential (exit 4, SPEC §5).
 */
export function foreignRefusalError(res: TransportResponse, host: string, scopes: readonly string[]): RegctlError {
  discard(res);
  const storage = new URL(res.url).host;
  const asked = res.status === 401 ? 'asked for its own authentication (401)' : 'refused access (403)';
  return new RegctlError(
    'auth',
    `${storage}, to which ${host} redirected a request for ${describeTarget(host, scopes)}, ${asked}; regctl sends no credentials to a host it was redirected to`,
    { subject: describeTarget(host, scopes) },
  );
}
