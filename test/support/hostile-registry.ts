import type { LookupFunction } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MemoryStore } from '../../src/content/memory-store.js';
import { fakeLookup } from './fake-lookup.js';
import { buildRandomImage, type RandomImage } from './random-image.js';
import { sendJson, startScriptedServer, type RecordedRequest } from './scripted-server.js';

/**
 * What the hostile registry does wrong:
 * - `storage-challenge`: blob GETs are redirected to a "storage host" that answers 401 with its own Bearer challenge;
 * - `foreign-link`: the tag list's `Link: rel="next"` points at the other host;
 * - `foreign-location`: an upload's `Location` points at the other host;
 * - `token-redirect`: the token endpoint answers 307 to the other host (to the POST password grant,
 *   or with `tokenRequest: 'get'` to the Basic-authenticated GET).
 */
export type HostileMode = 'storage-challenge' | 'foreign-link' | 'foreign-location' | 'token-redirect';

/** Settings of {@link startHostileRegistry}. */
export interface HostileOptions {
  mode: HostileMode;
  /**
   * The other host's name: a non-loopback name only {@link HostileRegistry.lookup} resolves (default
   * `foreign.example.test`, for in-process tests), or `localhost` (another origin than 127.0.0.1, for CLI tests).
   */
  foreignName?: string;
  /** token-redirect: which token request gets the 307; default 'post' (the GET answers 405). */
  tokenRequest?: 'get' | 'post';
}

/** A running hostile registry (127.0.0.1) and the other host it sends clients to. */
export interface HostileRegistry {
  /** `127.0.0.1:PORT`. */
  host: string;
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** The other host as the registry names it: `NAME:PORT`. */
  foreignHost: string;
  /** Resolves the foreign name (and localhost) to 127.0.0.1 and nothing else: tests never leave loopback. */
  lookup: LookupFunction;
  /** The account the registry accepts (Basic, or at its own token endpoint). */
  user: string;
  password: string;
  /** `team/app`, served with tag `v1` (pull modes). */
  repository: string;
  /** The image served under `team/app:v1`. */
  image: RandomImage;
  registryRequests: RecordedRequest[];
  foreignRequests: RecordedRequest[];
  /** What of the account reached the other host: Authorization headers, the password or its base64 anywhere. */
  leaks(): string[];
  close(): Promise<void>;
}

const USER = 'alice';
const PASSWORD = 'hostile-test-secret';
const REPO = 'team/app';
const GOOD_TOKEN = 'tok-good';

const basic = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;

/** Starts the registry and the other host, both node:http on 127.0.0.1:0. */
export async function startHostileRegistry(options: HostileOptions): Promise<HostileRegistry> {
  const mode = options.mode;
  const foreignName = options.foreignName ?? 'foreign.example.test';
  const store = new MemoryStore();
  const image = await buildRandomImage(store, { seed: `hostile-${mode}`, layers: 1, layerSize: 2048 });
  let foreignHost = '';
  let self = '';

  const foreign = await startScriptedServer((req, res) => {
    // The other host plays along, so that a client that follows it would "succeed" and the test sees the leak.
    if (req.url?.startsWith('/token')) return sendJson(res, 200, { token: GOOD_TOKEN, expires_in: 300 });
    if (mode === 'storage-challenge') {
      return sendJson(res, 401, { errors: [{ code: 'UNAUTHORIZED' }] }, { 'WWW-Authenticate': `Bearer realm="http://${foreignHost}/token",service="storage"` });
    }
    if (mode === 'foreign-link') return sendJson(res, 200, { name: REPO, tags: ['stolen'] });
    return sendJson(res, req.method === 'PUT' ? 201 : 202, {}, { location: `http://${foreignHost}/upload/2`, 'docker-upload-uuid': '2' });
  });
  foreignHost = `${foreignName}:${foreign.port}`;

  const authorized = (req: IncomingMessage, res: ServerResponse, scope: string): boolean => {
    const auth = req.headers.authorization ?? '';
    if (mode === 'token-redirect') {
      if (auth === `Bearer ${GOOD_TOKEN}`) return true;
      sendJson(
        res,
        401,
        { errors: [{ code: 'UNAUTHORIZED' }] },
        { 'WWW-Authenticate': `Bearer realm="${self}/token",service="hostile"${scope ? `,scope="${scope}"` : ''}` },
      );
      return false;
    }
    if (auth === basic) return true;
    sendJson(res, 401, { errors: [{ code: 'UNAUTHORIZED' }] }, { 'WWW-Authenticate': 'Basic realm="hostile"' });
    return false;
  };

  const registry = await startScriptedServer(async (req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    if (u.pathname === '/token') {
      if (req.method === 'GET' && (options.tokenRequest ?? 'post') === 'post') return sendJson(res, 405, {});
      res.writeHead(307, { location: `http://${foreignHost}/token${u.search}` });
      return void res.end();
    }
    const scope = u.pathname.startsWith(`/v2/${REPO}/`) ? `repository:${REPO}:pull` : '';
    if (!authorized(req, res, scope)) return;
    if (u.pathname === '/v2/') return sendJson(res, 200, {});
    if (u.pathname === `/v2/${REPO}/manifests/v1` || u.pathname === `/v2/${REPO}/manifests/${image.manifest.digest}`) {
      if (mode === 'foreign-location') return sendJson(res, 404, { errors: [{ code: 'MANIFEST_UNKNOWN' }] });
      res.writeHead(200, {
        'content-type': image.manifest.mediaType,
        'content-length': String(image.manifestBytes.length),
        'docker-content-digest': image.manifest.digest,
      });
      return void res.end(req.method === 'HEAD' ? undefined : image.manifestBytes);
    }
    if (u.pathname.startsWith(`/v2/${REPO}/blobs/sha256:`)) {
      if (mode !== 'storage-challenge') return sendJson(res, 404, { errors: [{ code: 'BLOB_UNKNOWN' }] });
      const digest = u.pathname.slice(u.pathname.lastIndexOf('/') + 1);
      res.writeHead(307, { location: `http://${foreignHost}/blobs/${digest}?X-Amz-Signature=abc` });
      return void res.end();
    }
    if (u.pathname === `/v2/${REPO}/tags/list`) {
      return sendJson(res, 200, { name: REPO, tags: ['a', 'b'] }, { link: `<http://${foreignHost}/v2/${REPO}/tags/list?last=b&n=2>; rel="next"` });
    }
    if (u.pathname === `/v2/${REPO}/blobs/uploads/` && req.method === 'POST') {
      return sendJson(res, 202, {}, { location: `http://${foreignHost}/v2/${REPO}/blobs/uploads/1?_state=x`, 'docker-upload-uuid': '1' });
    }
    return sendJson(res, 404, { errors: [{ code: 'NAME_UNKNOWN' }] });
  });
  self = registry.url;

  const secrets = [PASSWORD, Buffer.from(`${USER}:${PASSWORD}`).toString('base64'), encodeURIComponent(PASSWORD)];
  return {
    host: registry.host,
    url: registry.url,
    foreignHost,
    lookup: fakeLookup({ [foreignName.toLowerCase()]: '127.0.0.1' }),
    user: USER,
    password: PASSWORD,
    repository: REPO,
    image,
    registryRequests: registry.requests,
    foreignRequests: foreign.requests,
    leaks: () =>
      foreign.requests.flatMap((r) => {
        const where = `${r.method} ${r.url}`;
        const found: string[] = [];
        if (r.headers.authorization) found.push(`Authorization header on ${where}`);
        if (r.headers.cookie) found.push(`Cookie header on ${where}`);
        const text = `${r.url}\n${r.body.toString('utf8')}`;
        if (secrets.some((s) => text.includes(s))) found.push(`the password in ${where}`);
        return found;
      }),
    close: async () => {
      await registry.close();
      await foreign.close();
    },
  };
}
