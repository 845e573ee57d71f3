import type { Descriptor } from './descriptor.js';
import { ReferrerAnnotation } from './referrer-entry.js';

/** True for a buildx attestation manifest entry of an index (`vnd.docker.reference.type: attestation-manifest`). */
export function isAttestationEntry(desc: Descriptor): boolean {
  return desc.annotations?.[ReferrerAnnotation.referenceType] === 'attestation-manifest';
}

/**
 * The attestation manifests of `entries` (an index's manifests, as buildx writes them: platform
 * `unknown/unknown`) whose `vnd.docker.reference.digest` names one of the `kept` manifests, so a
 * platform-filtered index keeps the provenance and SBOM of the platforms it keeps, and only those.
 */
export function attestationsOf(entries: readonly Descriptor[], kept: readonly Descriptor[]): Descriptor[] {
  const keptDigests = new Set(kept.map((d) => d.digest));
  return entries.filter(
    (d) => isAttestationEntry(d) && !keptDigests.has(d.digest) && keptDigests.has(d.annotations?.[ReferrerAnnotation.referenceDigest] ?? ''),
  );
}
