import { RegctlError } from '../errors.js';
import type { Credential, CredentialFunction } from '../credentials/types.js';
import { header, type Transport, type TransportRequest, type TransportResponse } from '../http/transport.js';
import { discard } from '../util/discard.js';
import { deniedError, describeTarget, foreignRefusalError, refusedError } from './auth-errors.js';
import { findChallenge, parseChallenges, type Challenge } from './challenge.js';
import { mergeScopes, parseScope, requestRepository, scopesForRequest } from './scope.js';
import { TokenCache } from './token-cache.js';
import { fetchToken } from './token-fetch.js';

/** Options of AuthClient. */
export interface AuthClientOptions {
  transport: Transport;
  /** Looks up credentials by registry host (and repository); called lazily, only when a registry asks. */
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

/** Who asks: the registry host, the scopes of the request and the repository it is about (for the credential lookup). */
interface Asker {
  host: string;
  scopes: string[];
  repository: string | undefined;
}

/** True for a body that can be read only once. */
function isStream(body: TransportRequest['body']): boolean {
  return typeof body === 'object' && body !== null && !Buffer.isBuffer(body) && typeof (body as { pipe?: unknown }).pipe === 'function';
}

/** Basic header for a username/password credential. */
function basicHeader(cred: Credential | undefined): string | undefined {
  if (!cred?.username || cred.password === undefined) return undefined;
  return `Basic ${Buffer.from(`${cred.username}:${cred.password}`).toString('base64')}`;
}

/** The first repository the scopes name, in the order given (the request's own comes first). */
function firstRepository(scopes: readonly string[]): string | undefined {
  for (const s of scopes) {
    const parsed = parseScope(s.split(' ')[0] ?? '');
    if (parsed?.type === 'repository') return parsed.name;
  }
  return undefined;
}

/** True when the answer came from another origin than the request went to (it was redirected there). */
function answeredElsewhere(res: TransportResponse, url: string): boolean {
  return new URL(res.url).origin !== new URL(url).origin;
}

/**
 * Registry auth middleware over a Transport (SPEC §5): learns each host's challenge, attaches Basic
 * credentials or a cached bearer token, and after a 401 fetches a token and resends once. A request
 * with a stream body is never replayed, so its auth is prepared before it is sent. Challenges and
 * credentials belong to the host that was asked: a 401 from a host the request was redirected to is
 * never adopted and triggers no credential lookup.
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
    await this.#authorization({ host: new URL(base).host, scopes: mergeScopes(scopes), repository: firstRepository(scopes) });
  }

  /** Sends a request with auth; 401/403 after authenticating become RegctlError('auth'). */
  async request(req: AuthRequest): Promise<TransportResponse> {
    const u = new URL(req.url);
    const asker: Asker = {
      host: u.host,
      scopes: mergeScopes([...(req.scopes ?? []), ...scopesForRequest(req.method, req.url)]),
      repository: requestRepository(req.url) ?? firstRepository(req.scopes ?? []),
    };
    const once = isStream(req.body);
    if (once) await this.#learn(u.origin);
    const auth = await this.#authorization(asker);
    const res = await this.#send(req, auth);
    if ((res.status === 401 || res.status === 403) && answeredElsewhere(res, req.url)) throw foreignRefusalError(res, asker.host, asker.scopes);
    if (res.status === 401) {
      const challenges = parseChallenges(header(res, 'www-authenticate') ?? '');
      discard(res);
      if (once) throw refusedError(asker.host, asker.scopes, challenges, auth);
      return this.#retry(req, asker, challenges, auth);
    }
    if (res.status === 403) throw await deniedError(res, asker.host, asker.scopes);
    return res;
  }

  /** Answers a registry's own 401: learn the challenge, get credentials or a token, resend once. */
  async #retry(req: AuthRequest, asker: Asker, challenges: Challenge[], sent: string | undefined): Promise<TransportResponse> {
    const { host, scopes } = asker;
    const learnt = this.#fromChallenges(challenges);
    if (!learnt) throw refusedError(host, scopes, challenges, sent);
    this.#hosts.set(host, learnt);
    if (sent?.startsWith('Bearer ')) this.#tokens.invalidate(host, sent.slice(7));
    if (learnt.scheme === 'basic' && sent?.startsWith('Basic ')) throw refusedError(host, scopes, challenges, sent);
    const bearer = findChallenge(challenges, 'bearer');
    const wanted = mergeScopes([...scopes, ...(bearer?.params['scope'] ? [bearer.params['scope']] : [])]);
    const auth = await this.#authorization({ ...asker, scopes: wanted });
    if (!auth) throw refusedError(host, scopes, challenges, sent);
    const res = await this.#send(req, auth);
    if ((res.status === 401 || res.status === 403) && answeredElsewhere(res, req.url)) throw foreignRefusalError(res, host, scopes);
    if (res.status === 401) {
      const again = parseChallenges(header(res, 'www-authenticate') ?? '');
      discard(res);
      if (auth.startsWith('Bearer ')) this.#tokens.invalidate(host, auth.slice(7));
      throw refusedError(host, scopes, again, auth);
    }
    if (res.status === 403) throw await deniedError(res, host, scopes);
    return res;
  }

  /** The Authorization value for a host whose scheme is known; fetches a token when needed. */
  async #authorization({ host, scopes, repository }: Asker): Promise<string | undefined> {
    const state = this.#hosts.get(host);
    if (!state || state.scheme === 'none') return undefined;
    if (state.scheme === 'basic') {
      const auth = basicHeader(await this.#credentials(host, repository));
      if (!auth)
        throw new RegctlError('auth', `authentication required for ${describeTarget(host, scopes)}: no credentials; run "regctl login ${host}"`, {
          subject: describeTarget(host, scopes),
        });
      return auth;
    }
    const token = await this.#tokens.obtain(host, scopes, async () =>
      fetchToken(this.transport, {
        registry: host,
        realm: state.realm,
        service: state.service,
        scopes,
        credential: (await this.#credentials(host, repository)) ?? undefined,
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
        const url = `${new URL(origin).origin}/v2/`;
        const res = await this.transport.request({ method: 'GET', url, fast: 'whole' });
        // A challenge from a host /v2/ was redirected to is that host's, never the registry's.
        const own = !answeredElsewhere(res, url);
        const challenges = res.status === 401 && own ? parseChallenges(header(res, 'www-authenticate') ?? '') : [];
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
    return this.transport.request({
      method: req.method,
      url: req.url,
      headers,
      body: req.body,
      signal: req.signal,
      ...(req.redirect ? { redirect: req.redirect } : {}),
      ...(req.fast ? { fast: req.fast } : {}),
      ...(req.retry === false ? { retry: false } : {}),
    });
  }
}
