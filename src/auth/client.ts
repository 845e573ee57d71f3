import { z } from 'zod';
import { RegctlError } from '../errors.js';
import type { Credential, CredentialFunction } from '../credentials/types.js';
import { header, type Transport, type TransportRequest, type TransportResponse } from '../http/transport.js';
import { readStream } from '../content/read-all.js';
import { findChallenge, parseChallenges, type Challenge } from './challenge.js';
import { mergeScopes, scopeRepositories, scopesForRequest } from './scope.js';
import { TokenCache } from './token-cache.js';
import { fetchToken } from './token-fetch.js';

/** Options of AuthClient. */
export interface AuthClientOptions {
  transport: Transport;
  /** Looks up credentials by registry host; called lazily, only when a registry asks. */
  credentials: CredentialFunction;
  /** OAuth2 client_id sent to token endpoints; default "regctl". */
  clientId?: string;
  /** Clock in milliseconds for token expiry; default Date.now. */
  now?: () => number;
}

/** A request plus scope hints ("repository:a/b:pull,push"), merged with the scopes its path implies. */
export interface AuthRequest extends TransportRequest {
  scopes?: readonly string[];
}

/** What a registry host asked for, learnt from its first 401 (or from a /v2/ probe). */
type HostAuth = { scheme: 'none' } | { scheme: 'basic' } | { scheme: 'bearer'; realm: string; service?: string };

const ErrorBodySchema = z.looseObject({ errors: z.array(z.looseObject({ message: z.string().optional() })).optional() });

/** True for a body that can be read only once. */
function isStream(body: TransportRequest['body']): boolean {
  return typeof body === 'object' && body !== null && !Buffer.isBuffer(body) && typeof (body as { pipe?: unknown }).pipe === 'function';
}

/** Lets the response body drain so the connection can be reused. */
function discard(res: TransportResponse): void {
  res.body.on('error', () => undefined);
  res.body.resume();
}

/** Basic header for a username/password credential. */
function basicHeader(cred: Credential | undefined): string | undefined {
  if (!cred?.username || cred.password === undefined) return undefined;
  return `Basic ${Buffer.from(`${cred.username}:${cred.password}`).toString('base64')}`;
}

/**
 * Registry auth middleware over a Transport (SPEC §5): learns each host's challenge, attaches Basic
 * credentials or a cached bearer token, and after a 401 fetches a token and resends once. A request
 * with a stream body is never replayed, so its auth is prepared before it is sent.
 */
export class AuthClient {
  /** The transport underneath. */
  readonly transport: Transport;
  readonly #credentials: CredentialFunction;
  readonly #clientId: string;
  readonly #tokens: TokenCache;
  readonly #hosts = new Map<string, HostAuth>();
  readonly #pings = new Map<string, Promise<void>>();

  /** Creates a client with an empty token cache. */
  constructor(options: AuthClientOptions) {
    this.transport = options.transport;
    this.#credentials = options.credentials;
    this.#clientId = options.clientId ?? 'regctl';
    this.#tokens = new TokenCache(options.now);
  }

  /** Makes sure a token for `scopes` on `registry` (a host) is ready, so a later streamed body goes out once. */
  async prepare(registry: string, scopes: readonly string[]): Promise<void> {
    const base = await this.transport.baseUrl(registry);
    await this.#learn(base);
    await this.#authorization(new URL(base).host, mergeScopes(scopes));
  }

  /** Sends a request with auth; 401/403 after authenticating become RegctlError('auth'). */
  async request(req: AuthRequest): Promise<TransportResponse> {
    const u = new URL(req.url);
    const host = u.host;
    const scopes = mergeScopes([...(req.scopes ?? []), ...scopesForRequest(req.method, req.url)]);
    const once = isStream(req.body);
    if (once) await this.#learn(u.origin);
    const auth = await this.#authorization(host, scopes);
    const res = await this.#send(req, auth);
    if (res.status === 401) {
      const challenges = parseChallenges(header(res, 'www-authenticate') ?? '');
      discard(res);
      if (once) throw this.#refused(host, scopes, challenges, auth);
      return this.#retry(req, host, scopes, challenges, auth);
    }
    if (res.status === 403) throw await this.#denied(res, host, scopes);
    return res;
  }

  /** Answers a 401: learn the challenge, get credentials or a token, resend once. */
  async #retry(req: AuthRequest, host: string, scopes: string[], challenges: Challenge[], sent: string | undefined): Promise<TransportResponse> {
    const learnt = this.#fromChallenges(challenges);
    if (!learnt) throw this.#refused(host, scopes, challenges, sent);
    this.#hosts.set(host, learnt);
    if (sent?.startsWith('Bearer ')) this.#tokens.invalidate(host, sent.slice(7));
    if (learnt.scheme === 'basic' && sent?.startsWith('Basic ')) throw this.#refused(host, scopes, challenges, sent);
    const bearer = findChallenge(challenges, 'bearer');
    const wanted = mergeScopes([...scopes, ...(bearer?.params['scope'] ? [bearer.params['scope']] : [])]);
    const auth = await this.#authorization(host, wanted);
    if (!auth) throw this.#refused(host, scopes, challenges, sent);
    const res = await this.#send(req, auth);
    if (res.status === 401) {
      const again = parseChallenges(header(res, 'www-authenticate') ?? '');
      discard(res);
      if (auth.startsWith('Bearer ')) this.#tokens.invalidate(host, auth.slice(7));
      throw this.#refused(host, scopes, again, auth);
    }
    if (res.status === 403) throw await this.#denied(res, host, scopes);
    return res;
  }

  /** The Authorization value for a host whose scheme is known; fetches a token when needed. */
  async #authorization(host: string, scopes: readonly string[]): Promise<string | undefined> {
    const state = this.#hosts.get(host);
    if (!state || state.scheme === 'none') return undefined;
    if (state.scheme === 'basic') {
      const auth = basicHeader(await this.#credentials(host));
      if (!auth) throw new RegctlError('auth', `authentication required for ${this.#what(host, scopes)}: no credentials; run "regctl login ${host}"`);
      return auth;
    }
    const token = await this.#tokens.obtain(host, scopes, async () =>
      fetchToken(this.transport, {
        registry: host,
        realm: state.realm,
        service: state.service,
        scopes,
        credential: (await this.#credentials(host)) ?? undefined,
        clientId: this.#clientId,
      }),
    );
    return `Bearer ${token}`;
  }

  /** Probes GET /v2/ once per origin to learn the scheme before a request that cannot be replayed. */
  #learn(origin: string): Promise<void> {
    const host = new URL(origin).host;
    if (this.#hosts.has(host)) return Promise.resolve();
    let p = this.#pings.get(host);
    if (!p) {
      p = (async () => {
        const res = await this.transport.request({ method: 'GET', url: `${new URL(origin).origin}/v2/` });
        const challenges = res.status === 401 ? parseChallenges(header(res, 'www-authenticate') ?? '') : [];
        discard(res);
        this.#hosts.set(host, this.#fromChallenges(challenges) ?? { scheme: 'none' });
      })().finally(() => this.#pings.delete(host));
      this.#pings.set(host, p);
    }
    return p;
  }

  /** Bearer preferred over Basic; undefined when no supported challenge is offered. */
  #fromChallenges(challenges: readonly Challenge[]): HostAuth | undefined {
    const bearer = findChallenge(challenges, 'bearer');
    if (bearer?.params['realm']) return { scheme: 'bearer', realm: bearer.params['realm'], service: bearer.params['service'] };
    if (findChallenge(challenges, 'basic')) return { scheme: 'basic' };
    return undefined;
  }

  /** Sends with the Authorization header set (or left out). */
  #send(req: AuthRequest, auth: string | undefined): Promise<TransportResponse> {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers ?? {})) if (k.toLowerCase() !== 'authorization') headers[k] = v;
    if (auth) headers['authorization'] = auth;
    return this.transport.request({ method: req.method, url: req.url, headers, body: req.body, signal: req.signal });
  }

  /** "host/repo" (or "host") for messages. */
  #what(host: string, scopes: readonly string[]): string {
    const repos = scopeRepositories(scopes);
    return repos.length ? `${host}/${repos[0]}` : host;
  }

  /** The error for a 401 that authenticating did not cure. */
  #refused(host: string, scopes: readonly string[], challenges: readonly Challenge[], sent: string | undefined): RegctlError {
    const bearer = findChallenge(challenges, 'bearer');
    const code = bearer?.params['error'];
    const desc = bearer?.params['error_description'];
    if (code === 'insufficient_scope') {
      return new RegctlError('auth', `access to ${this.#what(host, scopes)} denied: insufficient scope${desc ? ` (${desc})` : ''}`);
    }
    const why = !sent
      ? challenges.length ? 'the registry did not accept the request' : 'the registry answered 401 without a supported challenge'
      : desc ?? (code ? `${code}` : 'the credentials were rejected');
    return new RegctlError('auth', `authentication required for ${this.#what(host, scopes)}: ${why}`);
  }

  /** The error for a 403, with the registry's own message when it gives one. */
  async #denied(res: TransportResponse, host: string, scopes: readonly string[]): Promise<RegctlError> {
    let detail = '';
    try {
      const parsed = ErrorBodySchema.safeParse(JSON.parse((await readStream(res.body, 64 * 1024, 'error body')).toString('utf8')));
      const msg = parsed.success ? parsed.data.errors?.[0]?.message : undefined;
      if (msg) detail = `: ${msg}`;
    } catch {
      discard(res);
    }
    return new RegctlError('auth', `access denied to ${this.#what(host, scopes)}${detail}`);
  }
}
