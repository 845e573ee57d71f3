import { summarizeImage, type ImageSummary } from '../content/image-summary.js';
import type { Descriptor } from '../oci/descriptor.js';
import { formatPlatform } from '../oci/platform.js';
import { formatRepository, parseReference } from '../ref/reference.js';
import type { Session } from '../session.js';
import { humanSize } from './format.js';
import { printImageSettings } from './inspect-text.js';
import { checkInspectView, printInspectView, summarize, type InspectViewOptions } from './inspect-views.js';
import type { CommandIo } from './io.js';
import { resolveLocal } from './resolve-local.js';

/** Options of `regctl inspect` (see InspectViewOptions for --raw, --config, --format, --platform). */
export interface InspectOptions extends InspectViewOptions {
  reference: string;
  /** Ask the registry instead of the cache. */
  remote?: boolean;
  json?: boolean;
}

/** The JSON document `inspect --json` prints. */
export interface InspectResult {
  name: string | null;
  digest: string;
  mediaType: string;
  size: number;
  created: string | null;
  sourceIndex: string | null;
  manifests: { digest: string; mediaType: string; platform: string; present: boolean }[];
  images: { digest: string; platform: string; size: number; created: string | null; manifest: unknown; config: unknown }[];
}

/** Shows manifest, config, platform and size of a cached image (or of a remote one, see remote-inspect). */
export async function inspect(session: Session, options: InspectOptions, io: CommandIo): Promise<InspectResult | undefined> {
  const format = checkInspectView(options);
  const store = await session.cache();
  const found = await resolveLocal(store, options.reference);
  const names = (await store.list()).filter((d) => d.digest === found.descriptor.digest).map((d) => d.annotations?.['org.opencontainers.image.ref.name']).filter((n): n is string => !!n)
    .sort();
  const pinned = found.descriptor.annotations?.['io.regctl.image.index.digest'] ?? found.descriptor.digest;
  const subject = {
    fetcher: store,
    descriptor: found.descriptor,
    name: found.name ?? null,
    repoTags: names,
    repoDigests: [...new Set(names.map((n) => `${formatRepository(parseReference(n))}@${pinned}`))],
  };
  const hasChild = (child: Descriptor): Promise<boolean> => store.exists(child);
  if (await printInspectView(subject, () => summarize(subject, hasChild), options, format, io)) return undefined;
  const summary = await summarizeImage(store, found.descriptor, hasChild);
  const result = inspectResult(found.name ?? null, found.descriptor, summary);
  printInspect(result, options.json ?? false, io);
  return result;
}

/** Builds the inspect document from a summary (shared with `inspect --remote`). */
export function inspectResult(name: string | null, desc: Descriptor, summary: ImageSummary): InspectResult {
  const present = new Set(summary.images.map((i) => i.descriptor.digest));
  return {
    name,
    digest: desc.digest,
    mediaType: desc.mediaType,
    size: summary.size,
    created: summary.created ?? null,
    sourceIndex: desc.annotations?.['io.regctl.image.index.digest'] ?? null,
    manifests: summary.index
      ? summary.index.manifests.map((m) => ({ digest: m.digest, mediaType: m.mediaType, platform: formatPlatform(m.platform), present: present.has(m.digest) }))
      : [],
    images: summary.images.map((i) => ({
      digest: i.descriptor.digest,
      platform: formatPlatform(i.platform),
      size: i.size,
      created: i.config.created ?? null,
      manifest: i.manifest,
      config: i.config,
    })),
  };
}

/** Prints an inspect document as JSON or as a short human summary. */
export function printInspect(result: InspectResult, json: boolean, io: CommandIo): void {
  if (json) {
    io.out(JSON.stringify(result, null, 2));
    return;
  }
  if (result.name) io.out(`Name:       ${result.name}`);
  io.out(`Digest:     ${result.digest}`);
  io.out(`MediaType:  ${result.mediaType}`);
  if (result.sourceIndex) io.out(`Index:      ${result.sourceIndex}`);
  io.out(`Size:       ${humanSize(result.size)} (${result.size} bytes)`);
  if (result.created) io.out(`Created:    ${result.created}`);
  if (result.manifests.length) {
    io.out('Platforms:');
    for (const m of result.manifests) io.out(`  ${m.platform.padEnd(16)} ${m.digest}${m.present ? '' : ' (not present)'}`);
  }
  for (const image of result.images) {
    const manifest = image.manifest as { config: Descriptor; layers: Descriptor[] };
    io.out(`Image ${image.digest}:`);
    io.out(`  Platform: ${image.platform}`);
    io.out(`  Config:   ${manifest.config.digest} (${manifest.config.size} bytes)`);
    io.out(`  Layers:`);
    for (const l of manifest.layers) io.out(`    ${l.digest}  ${humanSize(l.size)}`);
    printImageSettings(image, io);
  }
}
