import { RegctlError } from '../errors.js';
import type { Credential } from '../credentials/types.js';
import { header, type Transport, type TransportResponse } from '../http/transport.js';
import { REDIRECT_STATUSES } from '../http/redirect.js';
import { readStream } from '../content/read-all.js';
import type { BearerToken } from './token-cache.js';
import { discard } from '../util/discard.js';
import { object, optional, schema, string, type Shape } from '../oci/json-shape.js';

/** What a token request needs (from the Bearer challenge and the credential). */
export interface TokenRequest {
  /** Registry host, for messages only. */
  registry: string;
  realm: string;
  service?: string;
  scopes: readonly string[];
  credential?: Credential;
  /** OAuth2 client_id; "regctl". */
  clientId: string;
  /** Ask for a refresh (identity) token too: `offline_token=true` on GET, `access_type=offline` on POST (login). */
  offline?: boolean;
}

/** A bearer token plus the refresh token the server returned when asked with `offline`. */
export interface FetchedToken extends BearerToken {
  refreshToken?: string;
}

/** A number (any: a token server may send a fraction of a second). */
const anyNumber: Shape = (v) => (typeof v === 'number' ? undefined : { path: [], message: 'Invalid input: expected number' });

// Checked by hand rather than with zod: a token is fetched on most pulls, and zod's load costs more than the request.
const TokenResponseSchema = schema<{ token?: string; access_token?: string; expires_in?: number; refresh_token?: string }>(
  object({
    token: optional(string()),
    access_token: optional(string()),
    expires_in: optional(anyNumber),
    refresh_token: optional(string()),
  }),
);

/** Reads and parses a token endpoint answer; never quotes it (it holds secrets). */
async function parseTokenResponse(res: TransportResponse, req: TokenRequest): Promise<FetchedToken> {
  const body = await readStream(res.body, 1 << 20, 'token response');
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    json = undefined;
  }
  const parsed = TokenResponseSchema.safeParse(json);
  const token = parsed.success ? (parsed.data.token ?? parsed.data.access_token) : undefined;
  if (!parsed.success || !token) {
    throw new RegctlError('auth', `the token server of ${req.registry} (${new URL(req.realm).host}) sent an answer without a token`);
  }
  const refresh = parsed.data.refresh_token;
  return { token, expiresIn: parsed.data.expires_in, ...(req.offline && refresh ? { refreshToken: refresh } : {}) };
}

/**
 * Throws unless a token realm may be asked (SPEC §5): over HTTPS, or over plain HTTP only when its host
 * is loopback or configured insecure, whatever the registry's challenge says. With credentials the
 * refusal keeps the password at home; without, it keeps a server-chosen URL from downgrading to HTTP.
 * Exit 5, like every other "no TLS where TLS is required" failure.
 */
export function assertRealmAllowed(realm: string, registry: string, allowsPlainHttp: (host: string) => boolean, withCredentials: boolean): void {
  let u: URL;
  try {
    u = new URL(realm);
  } catch {
    throw new RegctlError(
      'auth',
      `${registry} sent a token realm ${JSON.stringify(realm.slice(0, 200))} that is not an absolute URL in its WWW-Authenticate challenge`,
    );
  }
  if (u.protocol === 'https:') return;
  const where = `token realm ${u.protocol}//${u.host}${u.pathname}`;
  if (u.protocol !== 'http:') throw new RegctlError('auth', `${registry} named a ${where} that is neither https nor http`);
  if (allowsPlainHttp(u.host)) return;
  const what = withCredentials ? `the credentials for ${registry}` : `a token request for ${registry}`;
  throw new RegctlError(
    'network',
    `refusing to send ${what} to ${where} over plain HTTP: ${u.host} is not loopback or an insecure registry (--insecure-registry ${u.host} if you trust the network)`,
  );
}

/** Turns a refused token request into a one-line error. */
async function refused(res: TransportResponse, req: TokenRequest): Promise<never> {
  discard(res);
  const where = `${req.registry} (token server ${new URL(req.realm).host})`;
  if (REDIRECT_STATUSES.has(res.status)) {
    // The request may hold a password (Basic header or POST form): it is never re-sent to a redirect target.
    let target = '';
    try {
      target = ` to ${new URL(header(res, 'location') ?? '', req.realm).host}`;
    } catch {
      // no usable Location: the message names the realm only
    }
    throw new RegctlError(
      'auth',
      `token request for ${where} was redirected${target} (HTTP ${res.status}); regctl does not follow redirects of token requests`,
    );
  }
  if (res.status === 401 || res.status === 403) {
    const who = req.credential ? 'the stored credentials were rejected' : 'anonymous access was refused; run "regctl login"';
    throw new RegctlError('auth', `authentication failed for ${where}: ${who}`);
  }
  throw new RegctlError(res.status >= 500 || res.status === 429 ? 'network' : 'auth', `token request for ${where} failed with HTTP ${res.status}`);
}

/** The OAuth2 POST form (Docker's token endpoint): refresh_token or password grant. */
function postForm(transport: Transport, req: TokenRequest, grant: Record<string, string>): Promise<TransportResponse> {
  const form = new URLSearchParams({ ...grant, client_id: req.clientId });
  if (req.service) form.set('service', req.service);
  if (req.scopes.length) form.set('scope', req.scopes.join(' '));
  if (req.offline) form.set('access_type', 'offline');
  return transport.request({
    method: 'POST',
    url: req.realm,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
    redirect: 'manual',
  });
}

/**
 * Gets a bearer token (SPEC §5): with an identity token, the OAuth2 POST refresh_token form; otherwise
 * GET realm?service=&scope= (Basic credentials if present), falling back to the POST password grant
 * when a POST-only endpoint answers the GET with 404/405. With `offline`, a refresh token is asked for
 * and returned when the server gives one. Token requests never follow redirects: a password in a Basic
 * header or a POST form must not be re-sent to wherever a 3xx points (it becomes an auth error, exit 4).
 */
export async function fetchToken(transport: Transport, req: TokenRequest): Promise<FetchedToken> {
  const cred = req.credential;
  assertRealmAllowed(req.realm, req.registry, (h) => transport.allowsPlainHttp(h), cred !== undefined);
  if (cred?.identityToken) {
    const res = await postForm(transport, req, { grant_type: 'refresh_token', refresh_token: cred.identityToken });
    return res.status === 200 ? parseTokenResponse(res, req) : refused(res, req);
  }
  const url = new URL(req.realm);
  if (req.service) url.searchParams.set('service', req.service);
  for (const s of req.scopes) url.searchParams.append('scope', s);
  const basic = cred?.username !== undefined && cred.password !== undefined;
  if (req.offline && basic) {
    url.searchParams.set('offline_token', 'true');
    url.searchParams.set('client_id', req.clientId);
  }
  const headers: Record<string, string> = {};
  if (basic) headers['authorization'] = `Basic ${Buffer.from(`${cred.username}:${cred.password}`).toString('base64')}`;
  const res = await transport.request({ method: 'GET', url: url.toString(), headers, redirect: 'manual', fast: 'whole' });
  if (res.status === 200) return parseTokenResponse(res, req);
  if ((res.status === 404 || res.status === 405) && basic) {
    discard(res);
    const post = await postForm(transport, req, { grant_type: 'password', username: cred.username!, password: cred.password! });
    return post.status === 200 ? parseTokenResponse(post, req) : refused(post, req);
  }
  return refused(res, req);
}
