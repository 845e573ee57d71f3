import { Readable } from 'node:stream';
import type { Target } from '../../src/content/types.js';
import type { Descriptor, Platform } from '../../src/oci/descriptor.js';
import { sha256Digest } from '../../src/oci/digest.js';
import { MediaType } from '../../src/oci/media-types.js';
import { buildRandomImage, type RandomImage } from './random-image.js';

/** What {@link buildBuildxIndex} stored. */
export interface BuildxIndex {
  index: Descriptor;
  indexBytes: Buffer;
  images: RandomImage[];
  /** One attestation manifest per image, in the same order. */
  attestations: Descriptor[];
}

async function pushJson(target: Target, mediaType: string, value: unknown): Promise<Descriptor> {
  const bytes = Buffer.from(JSON.stringify(value));
  const desc: Descriptor = { mediaType, digest: sha256Digest(bytes), size: bytes.length };
  await target.push(desc, Readable.from([bytes]));
  return desc;
}

/**
 * Builds an index shaped as `docker buildx build --provenance --sbom` writes it: one image per
 * platform, then one attestation manifest per image (platform `unknown/unknown`, an in-toto layer,
 * annotations `vnd.docker.reference.type: attestation-manifest` and `vnd.docker.reference.digest`).
 */
export async function buildBuildxIndex(target: Target, seed: string, platforms: Platform[]): Promise<BuildxIndex> {
  const images: RandomImage[] = [];
  for (const platform of platforms)
    images.push(await buildRandomImage(target, { seed: `${seed}/${platform.architecture}`, layers: 1, layerSize: 512, platform }));
  const attestations: Descriptor[] = [];
  for (const img of images) {
    const statement = await pushJson(target, 'application/vnd.in-toto+json', {
      _type: 'https://in-toto.io/Statement/v0.1',
      predicateType: 'https://slsa.dev/provenance/v0.2',
      subject: [{ name: '_', digest: { sha256: img.manifest.digest.slice(7) } }],
    });
    const layer = { ...statement, annotations: { 'in-toto.io/predicate-type': 'https://slsa.dev/provenance/v0.2' } };
    const config = await pushJson(target, MediaType.ociConfig, {
      architecture: 'unknown',
      os: 'unknown',
      config: {},
      rootfs: { type: 'layers', diff_ids: [statement.digest] },
    });
    attestations.push(await pushJson(target, MediaType.ociManifest, { schemaVersion: 2, mediaType: MediaType.ociManifest, config, layers: [layer] }));
  }
  const manifests = [
    ...images.map((img, i) => ({ ...img.manifest, platform: platforms[i] as Platform })),
    ...attestations.map((att, i) => ({
      ...att,
      platform: { architecture: 'unknown', os: 'unknown' },
      annotations: { 'vnd.docker.reference.digest': (images[i] as RandomImage).manifest.digest, 'vnd.docker.reference.type': 'attestation-manifest' },
    })),
  ];
  const indexBytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests }));
  const index: Descriptor = { mediaType: MediaType.ociIndex, digest: sha256Digest(indexBytes), size: indexBytes.length };
  await target.push(index, Readable.from([indexBytes]));
  return { index, indexBytes, images, attestations };
}
