import { RegctlError } from '../errors.js';
import { fetchAll } from '../content/read-all.js';
import { Annotation, type Descriptor, type Platform } from '../oci/descriptor.js';
import { parseManifest, type ImageManifest } from '../oci/manifest.js';
import { imageDetail, readImage, type ImageDetail } from '../content/image-summary.js';
import { isImageConfigMediaType, isNonDistributable } from '../oci/media-types.js';
import { formatPlatform, hostPlatform, platformMatches } from '../oci/platform.js';
import { familiarName, familiarRepository, parseReference } from '../ref/reference.js';
import type { LayoutStore } from '../layout/layout-store.js';
import { blobEntryName } from './entry-names.js';

/** One image to save: a cached manifest or index and the full name it was asked for by (if any). */
export interface SaveRequest {
  name?: string;
  descriptor: Descriptor;
}

/** One entry of docker's manifest.json. */
export interface DockerManifestEntry {
  Config: string;
  RepoTags: string[];
  Layers: string[];
  /** Foreign layers by diff_id, with their urls, so docker load keeps them foreign (as docker save writes). */
  LayerSources?: Record<string, Descriptor>;
}

/** Everything a save writes, decided before the first byte goes out. */
export interface SavePlan {
  /** Every blob once, layers first and the manifests that reference them after. */
  blobs: Descriptor[];
  /** The OCI index.json inside the archive. */
  index: { schemaVersion: 2; mediaType: string; manifests: Descriptor[] };
  /** docker's manifest.json (what `docker load` reads). */
  manifest: DockerManifestEntry[];
  /** docker's legacy `repositories` file: familiar repository → tag → image ID hex. */
  repositories: Record<string, Record<string, string>>;
}

/** The artifact type of a manifest that is not a container image (OCI artifactType, else its config type); undefined for an image. */
function artifactTypeOf(manifest: ImageManifest): string | undefined {
  if (manifest.artifactType) return manifest.artifactType;
  return isImageConfigMediaType(manifest.config.mediaType) ? undefined : manifest.config.mediaType;
}

function notAnImage(label: string, type: string): RegctlError {
  return new RegctlError(
    'usage',
    `cannot save ${label}: it is an artifact of type ${type}, not a container image, and docker, podman and ctr load only images (use regctl copy to move it)`,
  );
}

/** docker's LayerSources for an image's foreign layers: diff_id → descriptor with urls. */
function layerSources(img: ImageDetail): Record<string, Descriptor> | undefined {
  const out: Record<string, Descriptor> = {};
  img.manifest.layers.forEach((l, i) => {
    const diffId = img.config.rootfs?.diff_ids?.[i];
    if (diffId && isNonDistributable(l.mediaType))
      out[diffId] = { mediaType: l.mediaType, size: l.size, digest: l.digest, ...(l.urls ? { urls: l.urls } : {}) };
  });
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * The images of `desc` to save: for an index, the present children (only the wanted platforms'
 * when `platforms` is given) and, among them, the ones manifest.json lists (host platform by default).
 */
async function imagesOf(
  store: LayoutStore,
  desc: Descriptor,
  label: string,
  platforms: Platform[] | undefined,
): Promise<{ all: ImageDetail[]; listed: ImageDetail[]; index?: true }> {
  const parsed = parseManifest(await fetchAll(store, desc, undefined, `manifest ${desc.digest}`), desc.mediaType, `manifest ${desc.digest}`);
  if (parsed.kind === 'manifest') {
    const type = artifactTypeOf(parsed.manifest);
    if (type) throw notAnImage(label, type);
    const image = await imageDetail(store, desc, parsed.manifest);
    if (platforms && !platforms.some((p) => platformMatches(p, image.platform))) {
      throw new RegctlError('not-found', `${label} is ${formatPlatform(image.platform)}, not ${platforms.map(formatPlatform).join(', ')}`);
    }
    return { all: [image], listed: [image] };
  }
  if (parsed.index.artifactType) throw notAnImage(label, parsed.index.artifactType);
  const present: ImageDetail[] = [];
  const artifacts = new Set<string>();
  for (const child of parsed.index.manifests) {
    if (!(await store.exists(child))) continue;
    try {
      // An index inside the index is not followed: save lists images.
      const image = await readImage(store, child);
      if (!image) continue;
      present.push(image);
      const type = artifactTypeOf(image.manifest);
      if (type) artifacts.add(type);
    } catch (err) {
      if (!(err instanceof RegctlError) || err.kind !== 'failed') throw err;
    }
  }
  // Attestations beside images are saved with them; an index of artifacts alone is no image.
  if (present.length > 0 && present.every((i) => artifactTypeOf(i.manifest))) throw notAnImage(label, [...artifacts].join(', '));
  const wanted = platforms ?? [hostPlatform()];
  const listed: ImageDetail[] = [];
  for (const p of wanted) {
    const hit = present.find((i) => platformMatches(p, i.platform));
    if (hit) listed.push(hit);
    else if (!platforms && present.length === 1 && present[0]) listed.push(present[0]);
    else {
      const cached = present.map((i) => formatPlatform(i.platform)).join(', ') || 'none';
      throw new RegctlError(
        'not-found',
        `${label}: no ${formatPlatform(p)} image in the cached index (cached platforms: ${cached}); choose one with --platform`,
      );
    }
  }
  return { all: platforms ? listed : present, listed, index: true };
}

/**
 * Plans a `docker save`-compatible archive (Docker 25 layout: manifest.json, repositories and an OCI
 * layout) of the requested cached images. Shared blobs appear once; an index stays an index in
 * index.json while manifest.json lists the chosen platform's image, as docker does.
 */
export async function planSave(store: LayoutStore, requests: SaveRequest[], platforms?: Platform[]): Promise<SavePlan> {
  const blobs = new Map<string, Descriptor>();
  const add = (d: Descriptor): void => {
    if (!blobs.has(d.digest)) blobs.set(d.digest, { mediaType: d.mediaType, digest: d.digest, size: d.size });
  };
  const plan: SavePlan = {
    blobs: [],
    index: { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] },
    manifest: [],
    repositories: {},
  };
  const byManifest = new Map<string, DockerManifestEntry>();
  for (const req of requests) {
    const label = req.name ?? req.descriptor.digest;
    const { all, listed, index } = await imagesOf(store, req.descriptor, label, platforms);
    for (const img of all) {
      for (const l of img.manifest.layers) add(l);
      add(img.manifest.config);
      add(img.descriptor);
    }
    if (index) add(req.descriptor);
    const ref = req.name ? parseReference(req.name) : undefined;
    const entry: Descriptor = { mediaType: req.descriptor.mediaType, digest: req.descriptor.digest, size: req.descriptor.size };
    if (req.descriptor.platform) entry.platform = req.descriptor.platform;
    const annotations = { ...req.descriptor.annotations };
    delete annotations[Annotation.refName];
    delete annotations[Annotation.containerdName];
    if (req.name) annotations[Annotation.containerdName] = req.name;
    if (ref?.tag) annotations[Annotation.refName] = ref.tag;
    if (Object.keys(annotations).length > 0) entry.annotations = annotations;
    const unnamedDup = !req.name && plan.index.manifests.some((m) => m.digest === entry.digest);
    if (!unnamedDup && !plan.index.manifests.some((m) => m.digest === entry.digest && m.annotations?.[Annotation.containerdName] === req.name))
      plan.index.manifests.push(entry);
    for (const [i, img] of listed.entries()) {
      let dm = byManifest.get(img.descriptor.digest);
      if (!dm) {
        const sources = layerSources(img);
        dm = {
          Config: blobEntryName(img.manifest.config.digest),
          RepoTags: [],
          Layers: img.manifest.layers.map((l) => blobEntryName(l.digest)),
          ...(sources ? { LayerSources: sources } : {}),
        };
        byManifest.set(img.descriptor.digest, dm);
        plan.manifest.push(dm);
      }
      // docker load tags every entry a name appears in, so only the first platform carries it.
      if (i === 0 && ref?.tag && !ref.digest) {
        const familiar = familiarName(ref);
        if (!dm.RepoTags.includes(familiar)) dm.RepoTags.push(familiar);
        (plan.repositories[familiarRepository(ref)] ??= {})[ref.tag] = img.manifest.config.digest.slice(img.manifest.config.digest.indexOf(':') + 1);
      }
    }
  }
  plan.blobs = [...blobs.values()];
  // Checked before the first byte goes out: a missing layer must not leave half an archive on stdout.
  for (const b of plan.blobs) {
    if (!(await store.exists(b))) throw new RegctlError('not-found', `blob ${b.digest} is not in the cache (${b.mediaType}); pull the image again`);
  }
  return plan;
}
