import type { ServerResponse } from 'node:http';
import { MemoryStore } from '../../src/content/memory-store.js';
import { buildRandomImage, type RandomImage } from './random-image.js';
import { sendJson, startScriptedServer, type RecordedRequest, type ScriptedServer } from './scripted-server.js';

/** How a paged listing (tags or catalog) misbehaves. */
export interface ListingScript {
  /** Names served: `prefix000000`, `prefix000001`, … (or `names`). */
  count: number;
  /** Names per page when the client does not ask (`?n=`); default all in one page. */
  pageSize?: number;
  /** `self`: every page's Link points back at itself; `cycle`: page 3 links back to page 1. */
  loop?: 'self' | 'cycle';
  /** Exactly these names instead of generated ones. */
  names?: string[];
}

/** What the faulty registry does wrong (everything optional: by default a correct open registry). */
export interface FaultyOptions {
  /** Seed of the image served as `team/app:v1`; default `faulty`. */
  seed?: string;
  layers?: number;
  /** Bytes of each layer's random payload; default 4096. */
  layerSize?: number;
  tags?: ListingScript;
  catalog?: ListingScript;
  /** Serve blob bodies at about this many bytes per second (a slow link), in 16 KiB slices. */
  blobBytesPerSecond?: number;
  /** Answer each blob GET with 503 this many times before serving it (Retry-After: 1). */
  blobFailures?: number;
  /** Redirect blob GETs to a storage origin (`localhost:PORT`) with signed-URL query parameters and a Set-Cookie. */
  redirectBlobs?: boolean;
  /** Answer manifest requests with 404 MANIFEST_UNKNOWN carrying this message. */
  manifestError?: string;
  /** Challenge `/v2/` with `Bearer realm="REALM"` written as given (e.g. a relative "/token"). */
  bearerRealm?: string;
  /** Awaited before a blob GET is answered: a test holds a download here to act in the middle of a pull. */
  blobGate?: (digest: string) => Promise<void>;
}

/** A running faulty registry on 127.0.0.1. */
export interface FaultyRegistry {
  /** `127.0.0.1:PORT`. */
  host: string;
  url: string;
  /** `team/app`; the image is tagged `v1`. */
  repository: string;
  image: RandomImage;
  /** The image's config and layer bytes by digest. */
  blobs: Map<string, Buffer>;
  requests: RecordedRequest[];
  /** Requests the storage origin received (redirectBlobs). */
  storageRequests: RecordedRequest[];
  /** The signed-URL query the storage redirect carries (its secret values must never be printed). */
  signedQuery: string;
  close(): Promise<void>;
}

const REPO = 'team/app';

/** The signed-URL parameters of GCS/Artifact Registry, S3, Azure and Docker Hub's CDN, all with secret values. */
const SIGNED_QUERY = [
  'X-Goog-Algorithm=GOOG4-RSA-SHA256',
  'X-Goog-Credential=gsa-secret-credential%2F20240101%2Fauto%2Fstorage%2Fgoog4_request',
  'X-Goog-Signature=0123456789abcdefgoogsignaturesecret',
  'X-Amz-Credential=AKIASECRETCREDENTIAL%2F20240101',
  'X-Amz-Security-Token=amz-session-token-secret',
  'X-Amz-Signature=amzsignaturesecret',
  'sig=azure-sas-signature-secret',
  'se=2030-01-01T00%3A00%3A00Z',
  'sp=r',
  'verify=dockerhub-verify-secret',
  'expires=1700000000',
].join('&');

function listingNames(script: ListingScript, prefix: string): string[] {
  return script.names ?? Array.from({ length: script.count }, (_, i) => `${prefix}${String(i).padStart(6, '0')}`);
}

/** Writes `{"KEY": […names]}` in slices, so a 200k-name page never sits in one string. */
function sendListing(res: ServerResponse, key: string, extra: Record<string, string>, names: string[], headers: Record<string, string>): void {
  res.writeHead(200, { 'content-type': 'application/json', ...headers });
  const head = `{${Object.entries(extra)
    .map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)},`)
    .join('')}${JSON.stringify(key)}:[`;
  res.write(head);
  for (let i = 0; i < names.length; i += 5000) {
    const part = names.slice(i, i + 5000).map((n) => JSON.stringify(n));
    res.write(`${i === 0 ? '' : ','}${part.join(',')}`);
  }
  res.end(']}');
}

function servePage(res: ServerResponse, url: URL, script: ListingScript, key: string, extra: Record<string, string>, prefix: string): void {
  const all = listingNames(script, prefix);
  const n = Number(url.searchParams.get('n') ?? script.pageSize ?? all.length) || all.length;
  const last = url.searchParams.get('last');
  const start = last === null ? 0 : all.findIndex((t) => t > last);
  const page = start < 0 ? [] : all.slice(start, start + n);
  const headers: Record<string, string> = {};
  const pageNo = start < 0 ? 0 : Math.floor(start / n);
  if (script.loop === 'self') headers['link'] = `<${url.pathname}${url.search}>; rel="next"`;
  else if (script.loop === 'cycle' && pageNo === 2) headers['link'] = `<${url.pathname}?n=${n}>; rel="next"`;
  else if (start >= 0 && start + n < all.length)
    headers['link'] = `<${url.pathname}?n=${n}&last=${encodeURIComponent(page[page.length - 1] ?? '')}>; rel="next"`;
  sendListing(res, key, extra, page, headers);
}

async function sendSlowly(res: ServerResponse, body: Buffer, bytesPerSecond: number): Promise<void> {
  const slice = 16 * 1024;
  for (let i = 0; i < body.length && !res.destroyed; i += slice) {
    res.write(body.subarray(i, i + slice));
    await new Promise((r) => setTimeout(r, (slice / bytesPerSecond) * 1000));
  }
  res.end();
}

/**
 * Starts a registry double over one seeded image that misbehaves as `options` say: huge or looping
 * tag and catalog listings, slow or failing blob bodies, storage redirects with signed URLs, error
 * messages and challenges of the server's choosing. For what the real registry cannot do on demand.
 */
export async function startFaultyRegistry(options: FaultyOptions = {}): Promise<FaultyRegistry> {
  const store = new MemoryStore();
  const image = await buildRandomImage(store, { seed: options.seed ?? 'faulty', layers: options.layers ?? 1, layerSize: options.layerSize ?? 4096 });
  const blobs = new Map<string, Buffer>();
  for (const d of [image.config, ...image.layers]) {
    const chunks: Buffer[] = [];
    for await (const c of await store.fetch(d)) chunks.push(c as Buffer);
    blobs.set(d.digest, Buffer.concat(chunks));
  }
  const failures = new Map<string, number>();
  let storage: ScriptedServer | undefined;
  const sendBlob = async (res: ServerResponse, digest: string, head: boolean): Promise<void> => {
    const blob = blobs.get(digest);
    if (!blob) return sendJson(res, 404, { errors: [{ code: 'BLOB_UNKNOWN', message: 'blob unknown' }] });
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(blob.length), 'docker-content-digest': digest });
    if (head) return void res.end();
    if (options.blobBytesPerSecond) return sendSlowly(res, blob, options.blobBytesPerSecond);
    res.end(blob);
  };
  if (options.redirectBlobs) {
    storage = await startScriptedServer((req, res) =>
      sendBlob(res, new URL(req.url ?? '/', 'http://x').pathname.slice('/blobs/'.length), req.method === 'HEAD'),
    );
  }
  const registry = await startScriptedServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    if (options.bearerRealm !== undefined && req.headers.authorization === undefined && path.startsWith('/v2/')) {
      return sendJson(res, 401, { errors: [{ code: 'UNAUTHORIZED' }] }, { 'www-authenticate': `Bearer realm="${options.bearerRealm}",service="faulty"` });
    }
    if (path === '/v2/') return sendJson(res, 200, {});
    if (path === `/v2/${REPO}/tags/list` && options.tags) return servePage(res, url, options.tags, 'tags', { name: REPO }, 'tag-');
    if (path === '/v2/_catalog' && options.catalog) return servePage(res, url, options.catalog, 'repositories', {}, 'repo-');
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(path);
    if (!m || m[1] !== REPO) return sendJson(res, 404, { errors: [{ code: 'NAME_UNKNOWN', message: 'repository name not known to registry' }] });
    const [, , kind, ref] = m as unknown as [string, string, string, string];
    const head = req.method === 'HEAD';
    if (kind === 'manifests') {
      if (options.manifestError !== undefined) return sendJson(res, 404, { errors: [{ code: 'MANIFEST_UNKNOWN', message: options.manifestError }] });
      if (ref !== 'v1' && ref !== image.manifest.digest) return sendJson(res, 404, { errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] });
      res.writeHead(200, {
        'content-type': image.manifest.mediaType,
        'content-length': String(image.manifestBytes.length),
        'docker-content-digest': image.manifest.digest,
      });
      return void res.end(head ? undefined : image.manifestBytes);
    }
    const failed = failures.get(ref) ?? 0;
    if (!head) await options.blobGate?.(ref);
    if (!head && failed < (options.blobFailures ?? 0)) {
      failures.set(ref, failed + 1);
      return sendJson(res, 503, { errors: [{ code: 'UNAVAILABLE', message: 'try again' }] }, { 'retry-after': '1' });
    }
    if (!head && storage) {
      res.writeHead(307, { location: `http://localhost:${storage.port}/blobs/${ref}?${SIGNED_QUERY}`, 'set-cookie': 'session=cookie-secret-value; Path=/' });
      return void res.end();
    }
    return sendBlob(res, ref, head);
  });
  return {
    host: registry.host,
    url: registry.url,
    repository: REPO,
    image,
    blobs,
    requests: registry.requests,
    storageRequests: storage?.requests ?? [],
    signedQuery: SIGNED_QUERY,
    close: async () => {
      await registry.close();
      await storage?.close();
    },
  };
}
