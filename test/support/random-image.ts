import { createCipheriv, createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { Pusher, Tagger } from '../../src/content/types.js';
import type { Descriptor, Platform } from '../../src/oci/descriptor.js';
import { sha256Digest } from '../../src/oci/digest.js';
import { MediaType } from '../../src/oci/media-types.js';
import { formatPlatform } from '../../src/oci/platform.js';

/** Where the builder writes: any Pusher; tagging happens when the target is also a Tagger and a tag is asked for. */
export type ImageSink = Pusher & Partial<Tagger>;

/** Options of {@link buildRandomImage}. */
export interface RandomImageOptions {
  /** Seed of every random byte: the same seed gives the same digests. */
  seed: number | string;
  /** Number of layers. */
  layers: number;
  /** Bytes of random payload in each layer (before tar and gzip). */
  layerSize: number;
  /** Platform written into the config; default linux/amd64. */
  platform?: Platform;
  /** OCI or Docker v2 schema 2 media types; default 'oci'. */
  mediaTypes?: 'oci' | 'docker';
  /** When set and the target can tag, the manifest is tagged with this reference. */
  tag?: string;
  /** Extra container settings merged into the config's `config` (User, Entrypoint, ExposedPorts, Labels…). */
  containerConfig?: Record<string, unknown>;
  /** The config's `history` instead of one entry per layer. */
  history?: Record<string, unknown>[];
  /** gzip level 0–9; default 0 (stored blocks: the payload is random, so compressing buys nothing and costs 3× the time). */
  gzipLevel?: number;
}

/** What {@link buildRandomImage} stored. */
export interface RandomImage {
  manifest: Descriptor;
  config: Descriptor;
  layers: Descriptor[];
  manifestBytes: Buffer;
  configBytes: Buffer;
  /** sha256 of each uncompressed layer tar (the config's rootfs.diff_ids). */
  diffIds: string[];
}

const CHUNK = 64 * 1024;
const CREATED = '2024-01-01T00:00:00Z';

/** A deterministic stream of `size` pseudo-random bytes (AES-256-CTR keyed by the seed). */
export function seededBytes(seed: string, size: number): Readable {
  return Readable.from(seededChunks(seed, size), { objectMode: false });
}

function* seededChunks(seed: string, size: number): Generator<Buffer> {
  const key = createHash('sha256').update(`regctl-random-key:${seed}`).digest();
  const iv = createHash('sha256').update(`regctl-random-iv:${seed}`).digest().subarray(0, 16);
  const cipher = createCipheriv('aes-256-ctr', key, iv);
  const zeros = Buffer.alloc(CHUNK);
  for (let left = size; left > 0; left -= CHUNK) {
    yield cipher.update(left >= CHUNK ? zeros : zeros.subarray(0, left));
  }
}

/** A 512-byte ustar header for one regular file of `size` bytes (POSIX.1-1988 ustar). */
export function tarHeader(name: string, size: number): Buffer {
  const h = Buffer.alloc(512);
  const put = (text: string, offset: number, length: number): void => {
    h.write(text.slice(0, length), offset, length, 'ascii');
  };
  const octal = (n: number, length: number): string => `${n.toString(8).padStart(length - 1, '0')}\0`;
  put(name, 0, 100);
  put(octal(0o644, 8), 100, 8);
  put(octal(0, 8), 108, 8);
  put(octal(0, 8), 116, 8);
  put(octal(size, 12), 124, 12);
  put(octal(Date.parse(CREATED) / 1000, 12), 136, 12);
  put('        ', 148, 8);
  put('0', 156, 1);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  put('root', 265, 32);
  put('root', 297, 32);
  let sum = 0;
  for (const byte of h) sum += byte;
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return h;
}

/** A tar archive holding one file of seeded random bytes, streamed. */
export function randomTar(seed: string, size: number, name = 'random.bin'): Readable {
  function* chunks(): Generator<Buffer> {
    yield tarHeader(name, size);
    yield* seededChunks(seed, size);
    yield Buffer.alloc(((512 - (size % 512)) % 512) + 1024);
  }
  return Readable.from(chunks(), { objectMode: false });
}

class Measure extends Transform {
  readonly hash = createHash('sha256');
  size = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    cb(null, chunk);
  }
}

/** Builds one gzip'd random layer in a temp file (never in memory), pushes it, and returns its descriptor and diff_id. */
async function pushLayer(
  target: ImageSink,
  seed: string,
  size: number,
  mediaType: string,
  level: number,
  dir: string,
  n: number,
): Promise<{ desc: Descriptor; diffId: string }> {
  const file = join(dir, `layer-${n}.tar.gz`);
  const plain = new Measure();
  const packed = new Measure();
  await pipeline(randomTar(seed, size, `layer-${n}/random.bin`), plain, createGzip({ level }), packed, createWriteStream(file));
  const desc: Descriptor = { mediaType, digest: `sha256:${packed.hash.digest('hex')}`, size: packed.size };
  await target.push(desc, createReadStream(file));
  await rm(file, { force: true });
  return { desc, diffId: `sha256:${plain.hash.digest('hex')}` };
}

async function pushJson(target: ImageSink, mediaType: string, value: unknown): Promise<{ desc: Descriptor; bytes: Buffer }> {
  const bytes = Buffer.from(JSON.stringify(value));
  const desc: Descriptor = { mediaType, digest: sha256Digest(bytes), size: bytes.length };
  const body = new PassThrough();
  body.end(bytes);
  await target.push(desc, body);
  return { desc, bytes };
}

/**
 * Builds a seeded random image (gzip'd one-file tar layers, a config with correct diff_ids, a
 * manifest) and streams its blobs into `target`; the same options always give the same digests.
 */
export async function buildRandomImage(target: ImageSink, options: RandomImageOptions): Promise<RandomImage> {
  const docker = options.mediaTypes === 'docker';
  const platform = options.platform ?? { os: 'linux', architecture: 'amd64' };
  const dir = await mkdtemp(join(tmpdir(), 'regctl-random-'));
  try {
    const layers: Descriptor[] = [];
    const diffIds: string[] = [];
    for (let i = 0; i < options.layers; i++) {
      const seed = `${options.seed}:layer:${i}`;
      const mediaType = docker ? MediaType.dockerLayerGzip : MediaType.ociLayerGzip;
      const { desc, diffId } = await pushLayer(target, seed, options.layerSize, mediaType, options.gzipLevel ?? 0, dir, i);
      layers.push(desc);
      diffIds.push(diffId);
    }
    const configDoc = {
      created: CREATED,
      architecture: platform.architecture,
      os: platform.os,
      ...(platform.variant ? { variant: platform.variant } : {}),
      config: {
        Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
        ...options.containerConfig,
        Labels: { 'io.regctl.test.seed': String(options.seed), ...(options.containerConfig?.['Labels'] as Record<string, string> | undefined) },
      },
      rootfs: { type: 'layers', diff_ids: diffIds },
      history: options.history ?? diffIds.map((_, i) => ({ created: CREATED, created_by: `regctl random layer ${i}` })),
    };
    const config = await pushJson(target, docker ? MediaType.dockerConfig : MediaType.ociConfig, configDoc);
    const manifestType = docker ? MediaType.dockerManifest : MediaType.ociManifest;
    const manifest = await pushJson(target, manifestType, { schemaVersion: 2, mediaType: manifestType, config: config.desc, layers });
    if (options.tag && target.tag) await target.tag(manifest.desc, options.tag);
    return { manifest: manifest.desc, config: config.desc, layers, manifestBytes: manifest.bytes, configBytes: config.bytes, diffIds };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Options of {@link buildRandomIndex}. */
export interface RandomIndexOptions extends Omit<RandomImageOptions, 'platform' | 'tag' | 'layers' | 'layerSize'> {
  /** One image per platform, each seeded from the index seed and its platform. */
  platforms: Platform[];
  /** Layers per image; default 1. */
  layers?: number;
  /** Random payload bytes per layer; default 1024. */
  layerSize?: number;
  /** When set and the target can tag, the index is tagged with this reference. */
  tag?: string;
}

/** What {@link buildRandomIndex} stored. */
export interface RandomIndex {
  index: Descriptor;
  indexBytes: Buffer;
  images: RandomImage[];
}

/** Builds a multi-platform image index of seeded random images and stores all of it in `target`. */
export async function buildRandomIndex(target: ImageSink, options: RandomIndexOptions): Promise<RandomIndex> {
  const docker = options.mediaTypes === 'docker';
  const images: RandomImage[] = [];
  for (const platform of options.platforms) {
    images.push(
      await buildRandomImage(target, {
        ...options,
        seed: `${options.seed}/${formatPlatform(platform)}`,
        platform,
        layers: options.layers ?? 1,
        layerSize: options.layerSize ?? 1024,
        tag: undefined,
      }),
    );
  }
  const indexType = docker ? MediaType.dockerManifestList : MediaType.ociIndex;
  const manifests = images.map((img, i) => ({ ...img.manifest, platform: options.platforms[i] as Platform }));
  const { desc, bytes } = await pushJson(target, indexType, { schemaVersion: 2, mediaType: indexType, manifests });
  if (options.tag && target.tag) await target.tag(desc, options.tag);
  return { index: desc, indexBytes: bytes, images };
}
