import { Annotation, type Descriptor } from '../oci/descriptor.js';
import type { LayoutIndex } from './index-file.js';

/** Names `desc` `name` in `index` (see LayoutStore.tag): the change tag makes, in memory. */
export function applyName(index: LayoutIndex, desc: Descriptor, name: string, imageName: string | null): void {
  const entry: Descriptor = { mediaType: desc.mediaType, digest: desc.digest, size: desc.size };
  if (desc.artifactType) entry.artifactType = desc.artifactType;
  if (desc.platform) entry.platform = desc.platform;
  const annotations: Record<string, string> = { ...desc.annotations, [Annotation.refName]: name };
  delete annotations[Annotation.containerdName];
  if (imageName !== null) annotations[Annotation.containerdName] = imageName;
  entry.annotations = annotations;
  const at = index.manifests.findIndex((d) => d.annotations?.[Annotation.refName] === name);
  removeName(index, name, imageName);
  index.manifests.splice(at < 0 ? index.manifests.length : Math.min(at, index.manifests.length), 0, entry);
  // A dangling (unnamed) entry of this image is superseded once it has a name, as in docker.
  index.manifests = index.manifests.filter((d) => d.digest !== desc.digest || d.annotations?.[Annotation.refName] !== undefined);
}

/**
 * Drops every entry named `name` and takes the containerd name `imageName` (default `name`) off
 * entries named otherwise, so each stays unique; returns the last entry removed.
 */
export function removeName(index: LayoutIndex, name: string, imageName: string | null = name): Descriptor | undefined {
  let removed: Descriptor | undefined;
  index.manifests = index.manifests.filter((d) => {
    if (d.annotations?.[Annotation.refName] === name) {
      removed = d;
      return false;
    }
    return true;
  });
  for (const d of index.manifests) {
    if (imageName !== null && d.annotations?.[Annotation.containerdName] === imageName) {
      const { [Annotation.containerdName]: _dropped, ...rest } = d.annotations;
      d.annotations = rest;
    }
  }
  return removed;
}
