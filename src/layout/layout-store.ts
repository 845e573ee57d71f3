import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { mkdir, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { errnoCode, RegctlError } from '../errors.js';
import type { BlobIngest, Ingester, SmallReader, Target } from '../content/types.js';
import { Annotation, type Descriptor } from '../oci/descriptor.js';
import { isDigest } from '../oci/digest.js';
import { MAX_MANIFEST_BYTES } from '../oci/manifest.js';
import { isIndexMediaType, isManifestMediaType } from '../oci/media-types.js';
import { blobState } from './blob-verify.js';
import { imageProblems, IncompleteImageError } from './image-check.js';
import type { Lease } from './lease.js';
import { adoptBlob, blobExists, blobPath, openBlob, sweepDeadTemps, TEMP_DIR, tempPath, writeBlob, writeBlobBytes } from './blobs.js';
import { LayoutIngest } from './ingest.js';
import { createLayout, makeDirs } from './create-layout.js';
import { applyName, removeName } from './index-names.js';
import { manifestBlobDescriptor } from './manifest-blob.js';
import { fsError } from '../util/fs-error.js';
import { object, schema, string } from '../oci/json-shape.js';
import { readJsonFile } from '../util/read-json-file.js';
import { atomicWrite, emptyIndex, indexPath, peekIndex, readIndex, serializeIndex, updateIndex, type LayoutIndex } from './index-file.js';

/** Options of {@link LayoutStore.open}. */
export interface LayoutOpenOptions {
  /** Create the layout (oci-layout, index.json, blobs/sha256) when it is missing; false demands an existing one. */
  create: boolean;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Blobs up to this size that a leased transfer finds present are re-hashed (configs and other small blobs). */
const REHASH_BELOW = 1024 * 1024;

/** Options of {@link LayoutStore.tag}. */
export interface TagOptions {
  /** io.containerd.image.name of the entry: default the name itself; null for none. */
  imageName?: string | null;
}

/** Contents of the `oci-layout` file regctl writes (image-spec image-layout.md). */
export const OCI_LAYOUT_FILE = { imageLayoutVersion: '1.0.0' } as const;

const OciLayoutSchema = schema<{ imageLayoutVersion: string }>(object({ imageLayoutVersion: string() }));

/**
 * An OCI image layout directory as a Target: the local cache, or any `oci:DIR`. Names are
 * index.json entries whose `org.opencontainers.image.ref.name` is the name given (the store does
 * not parse references); blobs are content addressed and written atomically.
 */
export class LayoutStore implements Target, SmallReader, Ingester {
  /** Absolute path of the layout root. */
  readonly dir: string;
  /** The lease of a transfer this view of the layout writes for; see {@link LayoutStore.leased}. */
  private readonly lease: Lease | undefined;
  private tempDirMade: Promise<void> | undefined;

  private constructor(dir: string, lease?: Lease) {
    this.dir = dir;
    this.lease = lease;
  }

  /**
   * The same layout as seen by a transfer holding `lease` (a pull into the cache): every blob it
   * asks about or writes is held first, so a concurrent prune keeps it; small blobs it finds
   * (manifests, configs) are re-hashed, and a damaged one is removed so the transfer fetches it
   * again; and a name is given only to an image found whole under the index lock.
   */
  leased(lease: Lease): LayoutStore {
    return new LayoutStore(this.dir, lease);
  }

  /** Opens the layout at `dir`, creating it when `create` is set; otherwise a usage error when it is not a layout. */
  static async open(dir: string, options: LayoutOpenOptions): Promise<LayoutStore> {
    const root = resolve(dir);
    const marker = join(root, 'oci-layout');
    // An existing layout is opened without writing: creating costs two fsyncs.
    if (options.create && !((await isFile(marker)) && (await isFile(indexPath(root))))) {
      const skeleton = { marker: JSON.stringify(OCI_LAYOUT_FILE), index: serializeIndex(emptyIndex()) };
      await createLayout(root, skeleton, async () => {
        try {
          await makeDirs(join(root, 'blobs', 'sha256'));
        } catch (err) {
          throw fsError('cannot create OCI layout', root, err);
        }
        // The marker last: a layout with `oci-layout` is a complete one.
        await atomicWrite(root, indexPath(root), skeleton.index, { exclusive: true });
        await atomicWrite(root, marker, skeleton.marker, { exclusive: true });
      });
    }
    const layout = await readJsonFile(marker, OciLayoutSchema, { label: 'OCI layout file' });
    if (!layout) throw new RegctlError('usage', `not an OCI layout: ${dir}`);
    return new LayoutStore(root);
  }

  /** Path of the blob `digest` in this layout (whether or not it exists). */
  blobPath(digest: string): string {
    return blobPath(this.dir, digest);
  }

  /** The validated index.json. */
  readIndex(): Promise<LayoutIndex> {
    return readIndex(this.dir);
  }

  /** Every descriptor in index.json, in file order. */
  async list(): Promise<Descriptor[]> {
    return (await this.readIndex()).manifests;
  }

  /** Opens the blob or manifest `desc`; rejects with not-found when absent. */
  fetch(desc: Descriptor): Promise<Readable> {
    return openBlob(this.dir, desc);
  }

  /**
   * Reads the small blob `desc` (a manifest or config; callers bound its size) in one read, without
   * a stream: listing a cache of a thousand images reads two thousand of these. The calls are
   * synchronous: for files this small, three times faster than fs.promises (measured), and the
   * event loop waits microseconds. Same errors as fetch.
   */
  async readSmall(desc: Descriptor): Promise<Buffer> {
    const path = this.blobPath(desc.digest);
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') throw new RegctlError('not-found', `blob ${desc.digest} not found in OCI layout ${this.dir}`, { cause: err });
      throw fsError('cannot read', path, err);
    }
    try {
      const { size } = fstatSync(fd);
      if (size !== desc.size) {
        throw new RegctlError('integrity', `blob ${desc.digest} is damaged: the file ${path} is ${size} bytes, but the manifest says ${desc.size}`);
      }
      const bytes = Buffer.allocUnsafe(size);
      let at = 0;
      while (at < size) {
        const read = readSync(fd, bytes, at, size - at, at);
        if (read === 0) break;
        at += read;
      }
      return at === size ? bytes : bytes.subarray(0, at);
    } catch (err) {
      throw err instanceof RegctlError ? err : fsError('cannot read', path, err);
    } finally {
      closeSync(fd);
    }
  }

  /** Stores `content` as `desc` after checking its size and digest; keeps nothing when they differ. */
  async push(desc: Descriptor, content: Readable): Promise<void> {
    await this.lease?.hold(desc.digest);
    await writeBlob(this.dir, desc, content);
  }

  /**
   * Starts writing the blob `desc` piece by piece, continuing the partial an interrupted run kept
   * (see {@link LayoutIngest}); the transfer commits or closes it.
   */
  async ingest(desc: Descriptor): Promise<BlobIngest> {
    // Held before it is written, as for push: a prune between the rename and the tag keeps it.
    await this.lease?.hold(desc.digest);
    return LayoutIngest.open(this.dir, desc);
  }

  /** Stores small in-memory content (a manifest or config) as `desc`. */
  async pushBytes(desc: Descriptor, bytes: Uint8Array): Promise<void> {
    await this.lease?.hold(desc.digest);
    await writeBlobBytes(this.dir, desc, bytes);
  }

  /**
   * A fresh path in the layout's temp area, for a file to become a blob with {@link adoptBlob}: on
   * the blobs' filesystem, and removed by prune once the process writing it is gone.
   */
  async tempFile(label: string): Promise<string> {
    // Made once per store: a load stages one file per archive entry, and 100k mkdirs add up.
    this.tempDirMade ??= mkdir(join(this.dir, TEMP_DIR), { recursive: true }).then(
      () => undefined,
      (err: unknown) => {
        this.tempDirMade = undefined;
        throw fsError('cannot write', join(this.dir, TEMP_DIR), err);
      },
    );
    await this.tempDirMade;
    await sweepDeadTemps(this.dir);
    return tempPath(this.dir, label);
  }

  /**
   * Makes `file` — written at a {@link tempFile} path, fsynced, and hashed by the caller to
   * `desc.digest` — the blob `desc`, by an atomic rename into blobs/ (its size is checked). Resolves
   * false, leaving the file to the caller, when the blob is already stored.
   */
  async adoptBlob(desc: Descriptor, file: string): Promise<boolean> {
    if (dirname(resolve(file)) !== join(this.dir, TEMP_DIR)) {
      throw new RegctlError('internal', `cannot adopt ${file} as a blob: it is not in the temp area of OCI layout ${this.dir}`);
    }
    await this.lease?.hold(desc.digest);
    return adoptBlob(this.dir, desc, file);
  }

  /**
   * True when the blob is stored with the descriptor's size. Under a lease (see {@link leased}) the
   * blob is held first, and a small one is re-hashed: a damaged copy is removed and reported absent.
   */
  async exists(desc: Descriptor): Promise<boolean> {
    if (!this.lease) return blobExists(this.dir, desc);
    await this.lease.hold(desc.digest);
    const small = desc.size <= REHASH_BELOW || isManifestMediaType(desc.mediaType) || isIndexMediaType(desc.mediaType);
    const state = await blobState(this.dir, desc, small && desc.size <= MAX_MANIFEST_BYTES);
    if (state === 'corrupt' || state === 'wrong size') await unlink(this.blobPath(desc.digest)).catch(() => undefined);
    return state === 'ok';
  }

  /**
   * The manifest `reference` names: an index.json entry whose ref.name annotation equals it exactly,
   * else (for a digest) an index.json entry or a stored manifest blob with that digest.
   */
  async resolve(reference: string): Promise<Descriptor> {
    const manifests = await this.list();
    const named = manifests.filter((d) => d.annotations?.[Annotation.refName] === reference);
    // Other tools may have left duplicates; the last entry is the most recent write.
    const hit = named[named.length - 1];
    if (hit) return hit;
    if (isDigest(reference)) {
      const byDigest = manifests.find((d) => d.digest === reference);
      if (byDigest) return byDigest;
      const stored = await manifestBlobDescriptor(this.blobPath(reference), reference);
      if (stored) return stored;
    }
    throw new RegctlError('not-found', `${reference}: not found in OCI layout ${this.dir}`);
  }

  /**
   * Points `name` at the stored manifest `desc`, moving it from any other entry. The entry keeps
   * `desc`'s other annotations and gets ref.name set to `name` and io.containerd.image.name set to
   * `options.imageName` — by default `name` too (the cache stores full names in both); `null`
   * leaves it out, for a layout entry named by a bare tag with no image name known.
   */
  async tag(desc: Descriptor, name: string, options: TagOptions = {}): Promise<void> {
    if (!name) throw new RegctlError('usage', 'cannot tag with an empty name');
    const imageName = options.imageName === undefined ? name : options.imageName;
    // A name that already says exactly this (a re-pull of an image that is up to date) needs no lock,
    // no check and no write: it was checked when it was given, and prune spares what a name holds.
    // Looked at synchronously, so a tag called before a prune still takes the lock before it.
    const current = peekIndex(this.dir);
    if (current) {
      const before = serializeIndex(current);
      applyName(current, desc, name, imageName);
      if (serializeIndex(current) === before) return;
    }
    await updateIndex(this.dir, async (index) => {
      // Checked under the lock so a concurrent prune cannot remove the manifest in between; a
      // transfer's name goes only to an image that is whole, which a prune (under this lock) cannot break.
      if (this.lease) {
        const problems = await imageProblems(this.dir, desc);
        if (problems.length > 0) throw new IncompleteImageError(name, problems);
      } else if (!(await blobExists(this.dir, desc))) {
        throw new RegctlError('not-found', `cannot tag ${name}: manifest ${desc.digest} is not stored in OCI layout ${this.dir}`, { subject: name });
      }
      applyName(index, desc, name, imageName);
    });
  }

  /**
   * Lists the stored manifest `desc` in index.json: under `name` (as {@link tag} does), or without
   * one as an unnamed entry — docker's dangling image, kept by prune — unless an entry already
   * lists that manifest.
   */
  async addEntry(desc: Descriptor, name?: string): Promise<void> {
    if (name !== undefined) return this.tag(desc, name);
    await updateIndex(this.dir, async (index) => {
      if (!(await blobExists(this.dir, desc))) throw new RegctlError('not-found', `manifest ${desc.digest} is not stored in OCI layout ${this.dir}`);
      if (!index.manifests.some((m) => m.digest === desc.digest)) index.manifests.push(desc);
    });
  }

  /** Removes the name from index.json; resolves with the entry it named, or undefined when unknown. */
  untag(name: string): Promise<Descriptor | undefined> {
    return updateIndex(this.dir, (index) => removeName(index, name));
  }
}
