import { RegctlError } from '../errors.js';
import type { Cache } from '../layout/cache.js';
import type { Descriptor, Platform } from '../oci/descriptor.js';
import { isDigest } from '../oci/digest.js';
import { formatReference, parseReference } from '../ref/reference.js';
import type { Session } from '../session.js';
import { parseAnnotations } from './attach.js';
import type { CommandIo } from './io.js';
import { cachedList, listName, type ManifestListResult } from './manifest-create.js';
import { entryReports, serializeIndex } from './manifest-entries.js';

/** Options of `regctl manifest annotate`. */
export interface ManifestAnnotateOptions {
  /** The cached list, `REPO:TAG`. */
  list: string;
  /** The entry to change: an image reference, `REPO@DIGEST`, a digest, or a cached name. */
  source: string;
  os?: string;
  arch?: string;
  variant?: string;
  osVersion?: string;
  /** Comma-separated. */
  osFeatures?: string;
  /** `K=V` annotations on the entry. */
  annotations?: string[];
  json?: boolean;
}

const WORD = /^[a-z0-9._-]+$/;

/**
 * `regctl manifest annotate LIST SRC`, as `docker manifest annotate`: sets the platform fields and
 * annotations of SRC's entry in the cached list LIST (which gets a new digest).
 */
export async function manifestAnnotate(session: Session, options: ManifestAnnotateOptions, io: CommandIo): Promise<ManifestListResult> {
  const name = listName(options.list);
  for (const [flag, value] of [
    ['--os', options.os],
    ['--arch', options.arch],
    ['--variant', options.variant],
  ] as const) {
    if (value !== undefined && !WORD.test(value))
      throw new RegctlError('usage', `invalid ${flag} "${value}": lowercase letters, digits, ".", "_" and "-" only`);
  }
  const annotations = parseAnnotations(options.annotations ?? []);
  const cache = await session.cache();
  const list = await cachedList(cache, name);
  if (!list) throw new RegctlError('not-found', `no such manifest list: ${name}`, { subject: name });
  const digest = await entryDigest(session, cache, options.source, list.index.manifests);
  const at = list.index.manifests.findIndex((m) => m.digest === digest);
  const entry = list.index.manifests[at];
  if (!entry) throw new RegctlError('not-found', `manifest for image ${options.source} does not exist in ${name}`, { subject: name });
  const changed: Descriptor = { ...entry, platform: annotatedPlatform(entry.platform, options) };
  if (Object.keys(annotations).length) changed.annotations = { ...entry.annotations, ...annotations };
  const manifests: Descriptor[] = [...list.index.manifests];
  manifests.splice(at, 1, changed);
  const built = serializeIndex({ ...list.index, mediaType: list.descriptor.mediaType, schemaVersion: 2, manifests });
  await cache.withLease(async () => {
    await cache.store.pushBytes(built.descriptor, built.bytes);
    await cache.tag(built.descriptor, name);
  });
  const result: ManifestListResult = {
    name,
    digest: built.descriptor.digest,
    mediaType: built.descriptor.mediaType,
    size: built.descriptor.size,
    amended: true,
    manifests: entryReports(built.index, new Map([[digest, options.source]])),
  };
  if (options.json) io.out(JSON.stringify(result, null, 2));
  return result;
}

function annotatedPlatform(current: Platform | undefined, o: ManifestAnnotateOptions): Platform {
  const p: Platform = { ...(current ?? { os: '', architecture: '' }) };
  if (o.os !== undefined) p.os = o.os;
  if (o.arch !== undefined) p.architecture = o.arch;
  if (o.variant !== undefined) {
    if (o.variant) p.variant = o.variant;
    else delete p.variant;
  }
  if (o.osVersion !== undefined) {
    if (o.osVersion) p['os.version'] = o.osVersion;
    else delete p['os.version'];
  }
  if (o.osFeatures !== undefined) {
    const features = o.osFeatures
      .split(',')
      .map((f) => f.trim())
      .filter(Boolean);
    if (features.length) p['os.features'] = features;
    else delete p['os.features'];
  }
  if (!p.os || !p.architecture) throw new RegctlError('usage', 'the entry has no platform yet: give both --os and --arch');
  return p;
}

/**
 * The digest SRC names, found without the network when possible: a digest as given, an entry the
 * list already has under that digest, a cached image, else the registry's answer to a HEAD.
 */
async function entryDigest(session: Session, cache: Cache, source: string, entries: readonly Descriptor[]): Promise<string> {
  const bare = source.startsWith('sha256:') ? source : undefined;
  if (bare && isDigest(bare)) return bare;
  const byId = /^[a-f0-9]{12,64}$/.test(source) ? entries.find((e) => e.digest.startsWith(`sha256:${source}`)) : undefined;
  if (byId) return byId.digest;
  try {
    return (await cache.find(source)).descriptor.digest;
  } catch (err) {
    if (!(err instanceof RegctlError && err.kind === 'not-found')) throw err;
  }
  const ref = parseReference(source);
  if (ref.digest) return ref.digest;
  const remote = session.source(ref);
  try {
    return (await remote.head(ref.tag ?? 'latest')).digest;
  } catch (err) {
    if (err instanceof RegctlError && err.kind === 'not-found') {
      throw new RegctlError('not-found', `manifest for image ${formatReference(ref)} does not exist (not cached, not in its registry)`, { cause: err });
    }
    throw err;
  }
}
