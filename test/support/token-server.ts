import { createHash, createPrivateKey, createPublicKey, randomBytes, randomUUID, sign, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One entry of a token's `access` claim. */
export interface AccessClaim {
  type: string;
  name: string;
  actions: string[];
}

/** What the token server saw and answered for one request. */
export interface TokenRequest {
  method: string;
  /** `password` or `refresh_token` for the OAuth2 POST form; undefined for GET. */
  grantType?: string;
  service?: string;
  clientId?: string;
  /** The caller asked for a refresh token (`offline_token=true` or `access_type=offline`). */
  offline: boolean;
  /** Query (GET) or form (POST) parameters; a password is replaced by `***`. */
  params: Record<string, string[]>;
  /** An `Authorization: Basic` header was sent. */
  basicAuth: boolean;
  /** The authenticated user, or null for an anonymous (or refused) caller. */
  user: string | null;
  /** Scopes asked for, as sent (`repository:name:pull,push`). */
  scopes: string[];
  /** Access granted in the token (empty when refused). */
  granted: AccessClaim[];
  status: number;
  refreshTokenIssued: boolean;
}

/** Settings for {@link startTokenServer}. */
export interface TokenServerOptions {
  users: Record<string, string>;
  /** Anonymous callers may pull repositories whose name starts with this. */
  publicPrefix: string;
  ttlSeconds: number;
  service: string;
  issuer: string;
  /** PEM private key (EC P-256 or RSA) that signs the tokens. */
  keyFile: string;
}

/** A running Docker-Hub-style token server. */
export interface TokenServer {
  /** Token endpoint URL as advertised in the registry's Bearer challenge. */
  realm: string;
  service: string;
  issuer: string;
  /** libtrust key ID of the signing key (the JWT `kid`). */
  keyId: string;
  /** Every request served, oldest first. */
  requests: TokenRequest[];
  /** Forgets the recorded requests. */
  clearRequests(): void;
  /** Signs a token for `user` (null = anonymous) granting what the policy allows for `scopes`. */
  issueToken(user: string | null, scopes: string[]): string;
  /** Creates a refresh (identity) token for `user`, usable with `grant_type=refresh_token`. */
  issueRefreshToken(user: string): string;
  /** Makes the next `count` requests fail with `status` (and a JSON error) instead of issuing a token. */
  failNext(status: number, count?: number): void;
  close(): Promise<void>;
}

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32NoPad(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31];
  return out;
}

/** Computes the libtrust key ID of a public key: base32 of the first 30 bytes of sha256(DER SPKI), in 12 groups of 4. */
export function libtrustKeyId(key: KeyObject): string {
  const der = (key.type === 'private' ? createPublicKey(key) : key).export({ type: 'spki', format: 'der' });
  const b32 = base32NoPad(createHash('sha256').update(der).digest().subarray(0, 30));
  return b32.match(/.{4}/g)!.join(':');
}

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** Splits `type:name:actions` (the name may not hold a colon, the type may hold a `(class)`). */
function parseScope(scope: string): AccessClaim | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first < 0 || last <= first) return undefined;
  const type = scope.slice(0, first).replace(/\(.*\)$/, '');
  return {
    type,
    name: scope.slice(first + 1, last),
    actions: scope
      .slice(last + 1)
      .split(',')
      .filter(Boolean),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function toRecord(params: URLSearchParams): Record<string, string[]> {
  const rec: Record<string, string[]> = {};
  for (const [k, v] of params) (rec[k] ??= []).push(k === 'password' ? '***' : v);
  return rec;
}

function send(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...extra });
  res.end(text);
}

/** Starts a token server on 127.0.0.1 (random port) that signs registry JWTs with the given key. */
export async function startTokenServer(opts: TokenServerOptions): Promise<TokenServer> {
  const privateKey = createPrivateKey(await readFile(opts.keyFile));
  const alg = privateKey.asymmetricKeyType === 'rsa' ? 'RS256' : 'ES256';
  const keyId = libtrustKeyId(privateKey);
  const refreshTokens = new Map<string, string>();
  const requests: TokenRequest[] = [];
  let failures: { status: number; count: number } | undefined;

  const grant = (user: string | null, scopes: string[]): AccessClaim[] => {
    const out: AccessClaim[] = [];
    for (const s of scopes) {
      const claim = parseScope(s);
      if (!claim) continue;
      let actions: string[] = [];
      if (user !== null) actions = claim.actions;
      else if (claim.type === 'repository' && claim.name.startsWith(opts.publicPrefix) && claim.actions.includes('pull')) actions = ['pull'];
      if (actions.length > 0) out.push({ type: claim.type, name: claim.name, actions });
    }
    return out;
  };

  const signToken = (user: string | null, access: AccessClaim[]): string => {
    const now = Math.floor(Date.now() / 1000);
    const header = { alg, typ: 'JWT', kid: keyId };
    const claims = {
      iss: opts.issuer,
      sub: user ?? '',
      aud: opts.service,
      exp: now + opts.ttlSeconds,
      nbf: now - 1,
      iat: now,
      jti: randomUUID(),
      access,
    };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const sig = sign('sha256', Buffer.from(input), alg === 'ES256' ? { key: privateKey, dsaEncoding: 'ieee-p1363' } : privateKey);
    return `${input}.${b64url(sig)}`;
  };

  const newRefreshToken = (user: string): string => {
    const t = randomBytes(24).toString('hex');
    refreshTokens.set(t, user);
    return t;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const isPost = req.method === 'POST';
    const params = isPost ? new URLSearchParams(await readBody(req)) : url.searchParams;
    const auth = req.headers.authorization ?? '';
    const basicAuth = /^basic /i.test(auth);
    const rec: TokenRequest = {
      method: req.method ?? '',
      grantType: isPost ? (params.get('grant_type') ?? undefined) : undefined,
      service: params.get('service') ?? undefined,
      clientId: params.get('client_id') ?? undefined,
      offline: isPost ? params.get('access_type') === 'offline' : params.get('offline_token') === 'true',
      params: toRecord(params),
      basicAuth,
      user: null,
      scopes: isPost ? (params.get('scope') ?? '').split(' ').filter(Boolean) : params.getAll('scope'),
      granted: [],
      status: 0,
      refreshTokenIssued: false,
    };
    requests.push(rec);
    const reply = (status: number, body: unknown, extra?: Record<string, string>): void => {
      rec.status = status;
      send(res, status, body, extra);
    };

    if (url.pathname !== '/token' || (req.method !== 'GET' && !isPost)) return reply(404, { details: 'not found' });
    if (failures && failures.count > 0) {
      failures.count--;
      return reply(failures.status, { details: 'injected failure' });
    }
    if (opts.service !== rec.service && rec.service !== undefined) return reply(400, { details: `unknown service ${rec.service}` });

    let user: string | null = null;
    if (isPost) {
      if (rec.grantType === 'password') {
        const name = params.get('username') ?? '';
        if (opts.users[name] === undefined || opts.users[name] !== params.get('password')) {
          return reply(401, { error: 'invalid_grant', details: 'incorrect username or password' });
        }
        user = name;
      } else if (rec.grantType === 'refresh_token') {
        const found = refreshTokens.get(params.get('refresh_token') ?? '');
        if (found === undefined) return reply(401, { error: 'invalid_grant', details: 'unknown refresh token' });
        user = found;
      } else {
        return reply(400, { error: 'unsupported_grant_type', details: `grant_type ${rec.grantType ?? '(none)'}` });
      }
    } else if (basicAuth) {
      const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const name = colon < 0 ? decoded : decoded.slice(0, colon);
      if (colon < 0 || opts.users[name] === undefined || opts.users[name] !== decoded.slice(colon + 1)) {
        return reply(401, { details: 'incorrect username or password' }, { 'www-authenticate': 'Basic realm="regctl-test-token"' });
      }
      user = name;
    }

    rec.user = user;
    rec.granted = grant(user, rec.scopes);
    const token = signToken(user, rec.granted);
    const body: Record<string, unknown> = {
      token,
      access_token: token,
      expires_in: opts.ttlSeconds,
      issued_at: new Date().toISOString(),
    };
    if (isPost) body.scope = rec.scopes.join(' ');
    if (rec.offline && user !== null && rec.grantType !== 'refresh_token') {
      body.refresh_token = newRefreshToken(user);
      rec.refreshTokenIssued = true;
    }
    return reply(200, body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, { details: String(err) });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    realm: `http://127.0.0.1:${port}/token`,
    service: opts.service,
    issuer: opts.issuer,
    keyId,
    requests,
    clearRequests: () => {
      requests.length = 0;
    },
    issueToken: (user, scopes) => signToken(user, grant(user, scopes)),
    issueRefreshToken: newRefreshToken,
    failNext: (status, count = 1) => {
      failures = { status, count };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
