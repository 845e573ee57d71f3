import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { sendJson, startScriptedServer, type RecordedRequest, type ScriptedServer } from './scripted-server.js';

/** How the scripted registry's referrers API behaves. */
export interface ReferrersRegistryOptions {
  /** Serve `GET /v2/<name>/referrers/<digest>`; false answers 404 as distribution 2.8 does. Default true. */
  api?: boolean;
  /** Apply `?artifactType=` and say so with `OCI-Filters-Applied`; false ignores the filter. Default true. */
  filter?: boolean;
  /** Referrers per page; pages are chained with `Link: rel="next"`. Default: all in one page. */
  pageSize?: number;
  /** Answer a manifest PUT with a subject with `OCI-Subject`. Default true. */
  subjectHeader?: boolean;
  /** What the first page's `Link` points at instead of the next page (a loop, another host). */
  badLink?: 'loop' | string;
}

/** A running scripted registry with the OCI 1.1 referrers API (distribution-spec 1.1), in memory. */
export interface ReferrersRegistry extends ScriptedServer {
  /** Stores a manifest (indexing its subject) and optionally tags it; returns its descriptor. */
  putManifest(repository: string, doc: unknown, tag?: string): Descriptor;
  /** Stores a blob; returns its descriptor. */
  putBlob(bytes: Buffer, mediaType?: string): Descriptor;
  /** The referrers the registry indexed for a digest. */
  indexed(digest: string): Descriptor[];
  /** Requests whose path matches. */
  requestsTo(pattern: RegExp): RecordedRequest[];
}

const INDEX = 'application/vnd.oci.image.index.v1+json';
const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/**
 * Starts a node:http registry on 127.0.0.1:0 with the referrers API, which distribution 2.8 lacks:
 * manifests, blobs and monolithic uploads in memory, a referrers index kept from each manifest's
 * `subject`, and the paging, filtering and header behaviours a test asks for.
 */
export async function startReferrersRegistry(options: ReferrersRegistryOptions = {}): Promise<ReferrersRegistry> {
  const blobs = new Map<string, Buffer>();
  const manifests = new Map<string, { mediaType: string; bytes: Buffer }>();
  const tags = new Map<string, string>();
  const referrers = new Map<string, Descriptor[]>();

  const store = (repository: string, bytes: Buffer, mediaType: string, tag?: string): { desc: Descriptor; subject?: string } => {
    const digest = sha256(bytes);
    manifests.set(digest, { mediaType, bytes });
    if (tag) tags.set(`${repository}:${tag}`, digest);
    const doc = JSON.parse(bytes.toString('utf8')) as {
      subject?: Descriptor;
      artifactType?: string;
      config?: Descriptor;
      annotations?: Record<string, string>;
    };
    const desc: Descriptor = { mediaType, digest, size: bytes.length };
    if (!doc.subject) return { desc };
    const entry: Descriptor = { ...desc };
    const type = doc.artifactType ?? doc.config?.mediaType;
    if (type) entry.artifactType = type;
    if (doc.annotations) entry.annotations = doc.annotations;
    const list = referrers.get(doc.subject.digest) ?? [];
    if (!list.some((d) => d.digest === digest)) list.push(entry);
    referrers.set(doc.subject.digest, list);
    return { desc, subject: doc.subject.digest };
  };

  const serveReferrers = (res: ServerResponse, name: string, digest: string, query: URLSearchParams): void => {
    if (options.api === false) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('404 page not found\n');
      return;
    }
    const type = query.get('artifactType');
    let list = referrers.get(digest) ?? [];
    const headers: Record<string, string> = {};
    if (type && options.filter !== false) {
      list = list.filter((d) => d.artifactType === type);
      headers['oci-filters-applied'] = 'artifactType';
    }
    const page = Number(query.get('page') ?? '0');
    const size = options.pageSize ?? Math.max(list.length, 1);
    const slice = list.slice(page * size, (page + 1) * size);
    if (options.badLink) {
      headers['link'] =
        options.badLink === 'loop' ? `</v2/${name}/referrers/${digest}>; rel="next"` : `<${options.badLink}/v2/${name}/referrers/${digest}?page=1>; rel="next"`;
    } else if ((page + 1) * size < list.length) {
      const next = new URLSearchParams(query);
      next.set('page', String(page + 1));
      headers['link'] = `</v2/${name}/referrers/${digest}?${next.toString()}>; rel="next"`;
    }
    sendJson(res, 200, { schemaVersion: 2, mediaType: INDEX, manifests: slice }, { ...headers, 'content-type': INDEX });
  };

  const handler = (req: IncomingMessage, res: ServerResponse, rec: RecordedRequest) => {
    const url = new URL(rec.url, 'http://registry.invalid');
    const path = url.pathname;
    const head = req.method === 'HEAD';
    if (path === '/v2/') return sendJson(res, 200, {});
    let m = /^\/v2\/(.+)\/referrers\/([^/]+)$/.exec(path);
    if (m && req.method === 'GET') return serveReferrers(res, m[1] as string, m[2] as string, url.searchParams);
    m = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(path);
    if (m) {
      const [, name, ref] = m as unknown as [string, string, string];
      if (req.method === 'PUT') {
        const mediaType = String(req.headers['content-type'] ?? '');
        const tag = ref.includes(':') ? undefined : ref;
        if (!tag && sha256(rec.body) !== ref) return sendJson(res, 400, { errors: [{ code: 'DIGEST_INVALID', message: ref }] });
        const { desc, subject } = store(name, rec.body, mediaType, tag);
        const headers: Record<string, string> = {
          'docker-content-digest': desc.digest,
          location: `/v2/${name}/manifests/${desc.digest}`,
          'content-length': '0',
        };
        if (subject && options.subjectHeader !== false) headers['oci-subject'] = subject;
        res.writeHead(201, headers);
        res.end();
        return;
      }
      const digest = ref.includes(':') ? ref : tags.get(`${name}:${ref}`);
      const found = digest ? manifests.get(digest) : undefined;
      if (!digest || !found) return sendJson(res, 404, { errors: [{ code: 'MANIFEST_UNKNOWN', message: ref }] });
      res.writeHead(200, { 'content-type': found.mediaType, 'content-length': String(found.bytes.length), 'docker-content-digest': digest });
      res.end(head ? undefined : found.bytes);
      return;
    }
    m = /^\/v2\/(.+)\/blobs\/uploads\/([^/]*)$/.exec(path);
    if (m) {
      const [, name, id] = m as unknown as [string, string, string];
      if (req.method === 'POST') {
        res.writeHead(202, { location: `/v2/${name}/blobs/uploads/${randomUUID()}`, 'content-length': '0' });
        res.end();
        return;
      }
      const digest = url.searchParams.get('digest') ?? '';
      if (req.method !== 'PUT' || !id || sha256(rec.body) !== digest) return sendJson(res, 400, { errors: [{ code: 'DIGEST_INVALID', message: digest }] });
      blobs.set(digest, rec.body);
      res.writeHead(201, { 'docker-content-digest': digest, location: `/v2/${name}/blobs/${digest}`, 'content-length': '0' });
      res.end();
      return;
    }
    m = /^\/v2\/(.+)\/blobs\/([^/]+)$/.exec(path);
    if (m) {
      const blob = blobs.get(m[2] as string);
      if (!blob) return sendJson(res, 404, { errors: [{ code: 'BLOB_UNKNOWN', message: m[2] }] });
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(blob.length), 'docker-content-digest': m[2] as string });
      res.end(head ? undefined : blob);
      return;
    }
    sendJson(res, 404, { errors: [{ code: 'NOT_FOUND', message: path }] });
  };

  const server = await startScriptedServer(handler);
  return {
    ...server,
    putManifest(repository, doc, tag) {
      const bytes = Buffer.from(JSON.stringify(doc));
      const mediaType = (doc as { mediaType?: string }).mediaType ?? 'application/vnd.oci.image.manifest.v1+json';
      return store(repository, bytes, mediaType, tag).desc;
    },
    putBlob(bytes, mediaType = 'application/octet-stream') {
      const digest = sha256(bytes);
      blobs.set(digest, bytes);
      return { mediaType, digest, size: bytes.length };
    },
    indexed: (digest) => [...(referrers.get(digest) ?? [])],
    requestsTo: (pattern) => server.requests.filter((r) => pattern.test(r.url)),
  };
}
