import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { RegctlError } from '../errors.js';
import { fetchAll } from '../content/read-all.js';
import { Annotation, type Descriptor } from '../oci/descriptor.js';
import { sha256Digest } from '../oci/digest.js';
import { MAX_INDEX_DEPTH, parseImageConfig, parseManifest, type ImageManifest } from '../oci/manifest.js';
import { MediaType } from '../oci/media-types.js';
import { formatReference, parseReference } from '../ref/reference.js';
import type { LayoutStore } from '../layout/layout-store.js';
import { badArchive, blobEntryName, normalizeEntryName } from './entry-names.js';
import { stageArchive, type StagedArchive, type StagedFile } from './stage-archive.js';

/** One image an archive brought into the cache. */
export interface LoadedImage {
  /** Full normalized name it was tagged with; undefined when the archive names none. */
  name?: string;
  /** The manifest or index stored (without name annotations). */
  descriptor: Descriptor;
}

const MANIFEST_LIMIT = 4 * 1024 * 1024;
const CONFIG_LIMIT = 16 * 1024 * 1024;

// docker save's manifest.json; older docker writes RepoTags: null for an image saved by ID.
const DockerManifestSchema = z.array(z.looseObject({ Config: z.string(), RepoTags: z.array(z.string()).nullable().optional(), Layers: z.array(z.string()) }));

/** What the archive holds, decided after it was fully read and verified. */
class LoadPlan {
  /** Staged files to move into blobs/, children before parents. */
  readonly keep = new Map<string, StagedFile>();
  /** Manifests regctl writes for old docker archives. */
  readonly generated = new Map<string, { desc: Descriptor; bytes: Buffer }>();
  readonly named = new Map<string, Descriptor>();
  readonly unnamed = new Map<string, Descriptor>();
  /** Image manifests found in the OCI part, to match manifest.json entries against. */
  readonly manifests: { desc: Descriptor; manifest: ImageManifest }[] = [];

  constructor(
    readonly staged: StagedArchive,
    readonly store: LayoutStore,
  ) {}

  /** The staged file of a blob, checked against the descriptor's size; undefined when the archive lacks it. */
  blob(desc: Descriptor): StagedFile | undefined {
    const f = this.staged.file(blobEntryName(desc.digest));
    if (f && f.size !== desc.size) throw badArchive(`${blobEntryName(desc.digest)} is ${f.size} bytes but its descriptor says ${desc.size}`);
    return f;
  }

  /** Marks a blob as needed: from the archive when there, else it must already be cached. */
  async need(desc: Descriptor, from: string): Promise<void> {
    const f = this.blob(desc);
    if (f) this.keep.set(f.digest, f);
    else if (!(await this.store.exists(desc))) throw badArchive(`blob ${desc.digest} (referenced by ${from}) is missing`);
  }

  /** Reads a manifest or config blob from the archive, else from the cache. */
  async read(desc: Descriptor, limit: number, from: string): Promise<Buffer> {
    if (desc.size > limit) throw badArchive(`${desc.digest} (referenced by ${from}) is ${desc.size} bytes, over the ${limit}-byte limit`);
    if (this.blob(desc)) return (await this.staged.read(blobEntryName(desc.digest), limit)) as Buffer;
    if (await this.store.exists(desc)) return fetchAll(this.store, desc, limit, from);
    throw badArchive(`blob ${desc.digest} (referenced by ${from}) is missing`);
  }

  /** Walks a manifest or index from the archive's index.json, collecting every blob it needs. */
  async collect(desc: Descriptor, from: string, depth = 0): Promise<void> {
    const bytes = await this.read(desc, MANIFEST_LIMIT, from);
    const parsed = reparse(() => parseManifest(bytes, desc.mediaType, `manifest ${desc.digest}`));
    const what = `manifest ${desc.digest}`;
    if (parsed.kind === 'index') {
      // depth counts the indexes above this one, so a path holds at most MAX_INDEX_DEPTH indexes.
      if (depth >= MAX_INDEX_DEPTH) throw badArchive(`indexes nested more than ${MAX_INDEX_DEPTH} levels deep at ${desc.digest}`);
      let present = 0;
      for (const child of parsed.index.manifests) {
        if (!this.blob(child) && !(await this.store.exists(child))) continue;
        await this.collect(child, what, depth + 1);
        present++;
      }
      if (present === 0 && parsed.index.manifests.length > 0) throw badArchive(`none of the manifests of index ${desc.digest} is in the archive`);
    } else {
      for (const b of [parsed.manifest.config, ...parsed.manifest.layers]) await this.need(b, what);
      this.manifests.push({ desc, manifest: parsed.manifest });
    }
    await this.need(desc, from);
  }
}

function reparse<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof RegctlError && err.kind === 'failed') throw badArchive(err.message, err);
    throw err;
  }
}

/** A full normalized name, or undefined when `text` is a bare tag or carries a digest. */
function nameFrom(text: string | undefined, where: string, strict: boolean): string | undefined {
  if (!text) return undefined;
  if (!strict && !/[/:]/.test(text)) return undefined;
  try {
    const ref = parseReference(text);
    return ref.digest ? undefined : formatReference(ref);
  } catch (err) {
    if (!strict) return undefined;
    throw badArchive(`${where} names an invalid image "${text}": ${(err as Error).message}`, err);
  }
}

function withoutNames(desc: Descriptor): Descriptor {
  const out: Descriptor = { mediaType: desc.mediaType, digest: desc.digest, size: desc.size };
  if (desc.platform) out.platform = desc.platform;
  if (desc.artifactType) out.artifactType = desc.artifactType;
  const rest = { ...desc.annotations };
  delete rest[Annotation.refName];
  delete rest[Annotation.containerdName];
  if (Object.keys(rest).length > 0) out.annotations = rest;
  return out;
}

/**
 * index.json with `"manifests": null` (Docker 25.0's `docker save` writes it, as umoci does for an
 * empty layout) lists nothing: manifest.json then names the images, as podman and skopeo read it.
 */
function withNullAsEmpty(bytes: Buffer): Buffer {
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch {
    return bytes;
  }
  if (!doc || typeof doc !== 'object' || (doc as { manifests?: unknown }).manifests !== null) return bytes;
  return Buffer.from(JSON.stringify({ ...doc, manifests: [] }));
}

async function readOciPart(plan: LoadPlan, raw: Buffer): Promise<void> {
  const bytes = withNullAsEmpty(raw);
  const parsed = reparse(() => parseManifest(bytes, MediaType.ociIndex, 'index.json'));
  if (parsed.kind !== 'index') throw badArchive('index.json is not an image index');
  for (const desc of parsed.index.manifests) {
    await plan.collect(desc, 'index.json');
    const a = desc.annotations ?? {};
    const name = nameFrom(a[Annotation.containerdName], 'index.json', true) ?? nameFrom(a[Annotation.refName], 'index.json', false);
    if (name) plan.named.set(name, withoutNames(desc));
    else plan.unnamed.set(desc.digest, withoutNames(desc));
  }
}

/** The layer media type matching a file's magic bytes (docker archives hold plain or compressed tars). */
async function layerMediaType(f: StagedFile): Promise<string> {
  const magic = await readMagic(f);
  if (magic[0] === 0x1f && magic[1] === 0x8b) return MediaType.ociLayerGzip;
  if (magic.readUInt32BE(0) === 0x28b52ffd) return MediaType.ociLayerZstd;
  return MediaType.ociLayer;
}

async function readMagic(f: StagedFile): Promise<Buffer> {
  const out = Buffer.alloc(4);
  if (f.bytes) f.bytes.copy(out, 0, 0, 4);
  else if (f.path) {
    const fh = await open(f.path, 'r');
    try {
      await fh.read(out, 0, 4, 0);
    } finally {
      await fh.close();
    }
  }
  return out;
}

async function readDockerPart(plan: LoadPlan, bytes: Buffer, oci: boolean): Promise<void> {
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw badArchive('manifest.json is not valid JSON');
  }
  const parsed = DockerManifestSchema.safeParse(doc);
  if (!parsed.success) throw badArchive(`manifest.json is not a docker save manifest: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  for (const [i, item] of parsed.data.entries()) {
    const where = `manifest.json entry ${i + 1}`;
    const file = (n: string): StagedFile => {
      const f = plan.staged.file(normalizeEntryName(n));
      if (!f) throw badArchive(`${where} refers to "${n}", which is not in the archive`);
      return f;
    };
    const config = file(item.Config);
    const layers = item.Layers.map(file);
    const names = (item.RepoTags ?? []).map((t) => nameFrom(t, where, true) as string);
    let desc = plan.manifests.find(
      (m) => m.manifest.config.digest === config.digest && m.manifest.layers.map((l) => l.digest).join() === layers.map((l) => l.digest).join(),
    )?.desc;
    if (!desc) desc = await generateManifest(plan, config, layers, where);
    for (const name of names) if (!oci || !plan.named.has(name)) plan.named.set(name, desc);
    if (names.length === 0) plan.unnamed.set(desc.digest, desc);
  }
}

/** Writes the OCI manifest an old docker archive implies: layers stored as they are, typed by their magic bytes. */
async function generateManifest(plan: LoadPlan, config: StagedFile, layers: StagedFile[], where: string): Promise<Descriptor> {
  const configBytes = (await plan.staged.read(config.name, CONFIG_LIMIT)) as Buffer;
  const diffIds = reparse(() => parseImageConfig(configBytes, `${where} config`)).rootfs?.diff_ids ?? [];
  if (diffIds.length !== layers.length) throw badArchive(`${where} lists ${layers.length} layers but its config has ${diffIds.length} diff_ids`);
  const layerDescs: Descriptor[] = [];
  for (const [i, l] of layers.entries()) {
    const mediaType = await layerMediaType(l);
    // An uncompressed layer's digest is its diff_id; compressed ones are checked by whoever unpacks them.
    if (mediaType === MediaType.ociLayer && l.digest !== diffIds[i])
      throw badArchive(`${where}: layer "${l.name}" hashes to ${l.digest}, not its diff_id ${diffIds[i]}`);
    layerDescs.push({ mediaType, digest: l.digest, size: l.size });
    plan.keep.set(l.digest, l);
  }
  plan.keep.set(config.digest, config);
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociConfig, digest: config.digest, size: config.size },
    layers: layerDescs,
  };
  const bytes = Buffer.from(JSON.stringify(manifest));
  const desc: Descriptor = { mediaType: MediaType.ociManifest, digest: sha256Digest(bytes), size: bytes.length };
  plan.generated.set(desc.digest, { desc, bytes });
  return desc;
}

/**
 * Loads a `docker save` tarball (old `<id>/layer.tar` layout or Docker 25's OCI layout inside) or an
 * OCI archive, plain or gzip'd, into the layout. The stream is staged and verified completely first;
 * only then are blobs renamed into place and names written, so a bad archive leaves the layout as it was.
 */
export async function loadArchive(store: LayoutStore, input: Readable): Promise<LoadedImage[]> {
  const staged = await stageArchive(store, input);
  try {
    const plan = new LoadPlan(staged, store);
    const index = await staged.read('index.json', MANIFEST_LIMIT);
    const manifestJson = await staged.read('manifest.json', CONFIG_LIMIT);
    if (!index && !manifestJson) throw badArchive('it has neither manifest.json (docker save) nor index.json (OCI image layout)');
    if (index) await readOciPart(plan, index);
    if (manifestJson) await readDockerPart(plan, manifestJson, !!index);
    if (plan.named.size === 0 && plan.unnamed.size === 0)
      throw badArchive(
        `it holds no image: ${index ? 'index.json lists none' : ''}${index && manifestJson ? ' and ' : ''}${manifestJson ? 'manifest.json lists none' : ''}`,
      );
    for (const d of plan.named.values()) plan.unnamed.delete(d.digest);
    await staged.commit(plan.keep.values());
    for (const { desc, bytes } of plan.generated.values()) await store.pushBytes(desc, bytes);
    const loaded: LoadedImage[] = [];
    for (const [name, desc] of plan.named) {
      await store.addEntry(desc, name);
      loaded.push({ name, descriptor: desc });
    }
    // Unnamed images are listed too (as docker keeps dangling images), so prune keeps them until tagged.
    for (const desc of plan.unnamed.values()) {
      await store.addEntry(desc);
      loaded.push({ descriptor: desc });
    }
    return loaded;
  } finally {
    await staged.discard();
  }
}
