import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { Descriptor, Platform } from '../../src/oci/descriptor.js';
import { startRegistry, type AccessEntry, type RunningRegistry } from '../support/registry.js';
import { tempDir } from '../support/cli.js';
import { startThrottleProxy, type ThrottleOptions, type ThrottleProxy } from '../support/throttle-proxy.js';
import { tempLayout } from '../support/layout-check.js';
import {
  buildRandomImage,
  buildRandomIndex,
  type RandomImage,
  type RandomImageOptions,
  type RandomIndex,
  type RandomIndexOptions,
} from '../support/random-image.js';
import { skopeoCopy, skopeoTlsFor } from '../support/skopeo.js';

/** Annotation keys the cache must carry (SPEC §2). */
export const REF_NAME = 'org.opencontainers.image.ref.name';
/** containerd's image-name annotation. */
export const CONTAINERD_NAME = 'io.containerd.image.name';
/** The index a single-platform pull came from. */
export const SOURCE_INDEX = 'io.regctl.image.index.digest';

const NODE_ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', ia32: '386', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' };

/** The host's OCI architecture, derived independently of src/ (so the test is a real check). */
export const HOST_ARCH = NODE_ARCH[process.arch] ?? process.arch;

/** Two platforms: the host's and one other, so "host by default" is observable. */
export function twoPlatforms(): Platform[] {
  const amd64: Platform = { os: 'linux', architecture: 'amd64' };
  const arm64: Platform = { os: 'linux', architecture: 'arm64', variant: 'v8' };
  return HOST_ARCH === 'arm64' ? [arm64, amd64] : [amd64, arm64];
}

/** Credentials skopeo needs to push to a test registry (basic and token modes need an account). */
function pushCreds(reg: RunningRegistry): string | undefined {
  if (reg.mode !== 'basic' && reg.mode !== 'token') return undefined;
  const [user, pass] = Object.entries(reg.users)[0] as [string, string];
  return `${user}:${pass}`;
}

/** Builds a seeded random index in a temp layout and pushes it (all platforms) to `reg` as `repoTag`. */
export async function pushIndex(reg: RunningRegistry, repoTag: string, options: Omit<RandomIndexOptions, 'tag'>): Promise<RandomIndex> {
  const { store, dir, cleanup } = await tempLayout('regctl-pull-src-');
  try {
    const idx = await buildRandomIndex(store, { ...options, tag: 'src' });
    const creds = pushCreds(reg);
    await skopeoCopy(`oci:${dir}:src`, `docker://${reg.host}/${repoTag}`, { all: true, destTls: skopeoTlsFor(reg), ...(creds ? { destCreds: creds } : {}) });
    return idx;
  } finally {
    await cleanup();
  }
}

/** Builds a seeded random single-platform image and pushes it to `reg` as `repoTag`. */
export async function pushImage(reg: RunningRegistry, repoTag: string, options: Omit<RandomImageOptions, 'tag'>): Promise<RandomImage> {
  const { store, dir, cleanup } = await tempLayout('regctl-pull-src-');
  try {
    const img = await buildRandomImage(store, { ...options, tag: 'src' });
    const creds = pushCreds(reg);
    await skopeoCopy(`oci:${dir}:src`, `docker://${reg.host}/${repoTag}`, { destTls: skopeoTlsFor(reg), ...(creds ? { destCreds: creds } : {}) });
    return img;
  } finally {
    await cleanup();
  }
}

/** The cache's index.json. */
export interface CacheIndex {
  schemaVersion: number;
  manifests: Descriptor[];
}

/** Reads `<cache>/index.json`; an absent file reads as an empty index. */
export async function readCacheIndex(cache: string): Promise<CacheIndex> {
  try {
    return JSON.parse(await readFile(join(cache, 'index.json'), 'utf8')) as CacheIndex;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { schemaVersion: 2, manifests: [] };
    throw err;
  }
}

/** Names (ref.name annotations) in the cache's index.json. */
export async function cacheNames(cache: string): Promise<string[]> {
  return (await readCacheIndex(cache)).manifests.map((d) => d.annotations?.[REF_NAME] ?? '').filter(Boolean);
}

/** The index.json entry named `name`; fails the test when there is none. */
export async function cacheEntry(cache: string, name: string): Promise<Descriptor> {
  const index = await readCacheIndex(cache);
  const entry = index.manifests.find((d) => d.annotations?.[REF_NAME] === name);
  assert.ok(entry, `no index.json entry named ${name}; entries: ${JSON.stringify(index.manifests)}`);
  return entry;
}

/** The digests of the blobs under `<cache>/blobs/sha256` (empty when the directory is absent). */
export async function cacheBlobs(cache: string): Promise<string[]> {
  const names = await readdir(join(cache, 'blobs', 'sha256')).catch(() => [] as string[]);
  return names.map((n) => `sha256:${n}`);
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return `sha256:${hash.digest('hex')}`;
}

/** Asserts every file under blobs/sha256 hashes to its name; returns the digests. */
export async function assertBlobsIntact(cache: string): Promise<string[]> {
  const digests = await cacheBlobs(cache);
  for (const d of digests) {
    assert.equal(await hashFile(join(cache, 'blobs', 'sha256', d.slice(7))), d, `cached blob ${d} does not hash to its name`);
  }
  return digests;
}

/** Reads a cached blob as JSON. */
export async function readBlobJson<T>(cache: string, digest: string): Promise<T> {
  return JSON.parse(await readFile(join(cache, 'blobs', 'sha256', digest.replace(/^sha256:/, '')), 'utf8')) as T;
}

/** sha256 of bytes, as a digest string. */
export function sha256(bytes: Buffer | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Blob GETs in an access log (`GET /v2/…/blobs/…`). */
export function blobGets(log: AccessEntry[]): AccessEntry[] {
  return log.filter((e) => e.method === 'GET' && /^\/v2\/.+\/blobs\//.test(e.path));
}

/** A short listing of log entries for assertion messages. */
export function showLog(log: AccessEntry[]): string {
  return log.map((e) => `${e.method} ${e.path} ${e.status}`).join('\n');
}

/** Writes `<dir>/config.json` (a regctl or docker config dir) and returns `dir`. */
export async function writeConfig(dir: string, doc: unknown): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'config.json'), JSON.stringify(doc, null, 2), { mode: 0o600 });
  return dir;
}

/** A sink for the random-image builder that keeps every blob in memory (small test images only). */
export class BytesSink {
  readonly blobs = new Map<string, Buffer>();

  /** Stores one blob. */
  async push(desc: Descriptor, content: Readable): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of content) chunks.push(c as Buffer);
    this.blobs.set(desc.digest, Buffer.concat(chunks));
  }
}

/** Asserts the output contains no terminal escape sequence. */
export function assertNoEscapes(text: string, what: string): void {
  assert.ok(!text.includes('\u001b'), `${what} contains escape codes: ${JSON.stringify(text.slice(0, 500))}`);
}

/**
 * Pushes what a {@link BytesSink} holds to an open registry over plain HTTP: every blob, then the
 * manifests in order (all but the last by digest, the last by `tag`). For Docker media types,
 * which skopeo 1.9's `oci:` reader ignores.
 */
export async function pushRaw(registryUrl: string, repo: string, tag: string, sink: BytesSink, manifests: Descriptor[]): Promise<void> {
  const manifestDigests = new Set(manifests.map((m) => m.digest));
  for (const [digest, bytes] of sink.blobs) {
    if (manifestDigests.has(digest)) continue;
    const start = await fetch(`${registryUrl}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
    assert.equal(start.status, 202, `upload start: ${await start.text()}`);
    const location = new URL(start.headers.get('location') ?? '', registryUrl);
    location.searchParams.set('digest', digest);
    const put = await fetch(location, { method: 'PUT', body: bytes, headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(put.status, 201, `blob PUT ${digest}: ${await put.text()}`);
  }
  for (const [i, m] of manifests.entries()) assert.ok(sink.blobs.has(m.digest), `manifest ${i} not in the sink`);
  for (const [i, m] of manifests.entries()) {
    const ref = i === manifests.length - 1 ? tag : m.digest;
    const put = await fetch(`${registryUrl}/v2/${repo}/manifests/${ref}`, {
      method: 'PUT',
      body: sink.blobs.get(m.digest),
      headers: { 'content-type': m.mediaType },
    });
    assert.equal(put.status, 201, `manifest PUT ${ref}: ${await put.text()}`);
  }
}

/** The registry's own answer for a manifest: the Docker-Content-Digest header and the sha256 of the body it served. */
export async function registryDigest(
  registryUrl: string,
  repo: string,
  reference: string,
  headers: Record<string, string> = {},
): Promise<{ header: string; computed: string }> {
  const accept = [
    'application/vnd.oci.image.index.v1+json',
    'application/vnd.oci.image.manifest.v1+json',
    'application/vnd.docker.distribution.manifest.list.v2+json',
    'application/vnd.docker.distribution.manifest.v2+json',
  ].join(', ');
  const res = await fetch(`${registryUrl}/v2/${repo}/manifests/${reference}`, { headers: { accept, ...headers } });
  assert.equal(res.status, 200, `GET manifest ${repo}:${reference}`);
  const body = Buffer.from(await res.arrayBuffer());
  return { header: res.headers.get('docker-content-digest') ?? '', computed: sha256(body) };
}

/** A registry serving one single-layer image, capped proxies in front of it, and temp caches; {@link LayerFixture.close} removes them all. */
export interface LayerFixture {
  reg: RunningRegistry;
  img: RandomImage;
  /** A fresh temp directory for a cache. */
  cacheDir(): string;
  /** A throttling proxy in front of the registry. */
  proxy(options: ThrottleOptions): Promise<ThrottleProxy>;
  close(): Promise<void>;
}

/** Starts an open registry and pushes `repoTag`: one layer of `layerSize` seeded random bytes, for the host's platform. */
export async function startLayerFixture(repoTag: string, seed: string, layerSize: number): Promise<LayerFixture> {
  const reg = await startRegistry({ mode: 'open' });
  const img = await pushImage(reg, repoTag, { seed, layers: 1, layerSize, platform: { os: 'linux', architecture: HOST_ARCH } });
  const dirs: (() => void)[] = [];
  const proxies: ThrottleProxy[] = [];
  return {
    reg,
    img,
    cacheDir: () => {
      const t = tempDir('regctl-layer-cache-');
      dirs.push(t.remove);
      return t.dir;
    },
    proxy: async (options) => {
      const p = await startThrottleProxy(reg.url, options);
      proxies.push(p);
      return p;
    },
    close: async () => {
      for (const p of proxies) await p.close();
      await reg.stop();
      for (const d of dirs) d();
    },
  };
}
