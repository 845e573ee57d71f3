import { copyDescriptor, type CopyOptions } from '../content/copy.js';
import { filteredIndex } from '../content/filtered-index.js';
import { fetchAll } from '../content/read-all.js';
import { isRegctlError, RegistryError } from '../errors.js';
import type { Descriptor } from '../oci/descriptor.js';
import { parseManifest } from '../oci/manifest.js';
import { isIndexMediaType } from '../oci/media-types.js';
import { formatPlatform } from '../oci/platform.js';
import { formatLocation } from '../ref/location.js';
import { formatReference, formatRepository } from '../ref/reference.js';
import type { PushClaims } from './push-claims.js';
import type { GateRefusal } from './rate-gate.js';
import type { SyncEnds, SyncResult, SyncRunOptions, SyncSource, SyncTargetEnd, SyncTask } from './types.js';

/** What the tasks of one run share. */
export interface RunShared {
  claims: PushClaims;
  /** Copies in progress, by target and source image: the root they will name, or undefined if they fail. */
  copies: Map<string, Promise<Descriptor | undefined>>;
}

/** The report fields of a failure: its one-line message, kind and exit code. */
export function failure(err: unknown): Pick<SyncResult, 'reason' | 'kind' | 'exitCode'> {
  if (isRegctlError(err)) return { reason: err.message, kind: err.kind, exitCode: err.exitCode };
  return { reason: `internal error: ${err instanceof Error ? err.message : String(err)}`, kind: 'internal', exitCode: 1 };
}

/** The place a task writes to, without the name: `registry/repository` or `oci:DIR`. */
function scopeOf(task: SyncTask): string {
  return task.target.kind === 'registry' ? formatRepository(task.target.ref) : `oci:${task.target.dir}`;
}

/** The digest a platform subset of the index `root` has, as copy would write it. */
async function filteredDigest(src: SyncSource, root: Descriptor, task: SyncTask): Promise<string> {
  const what = `manifest ${root.digest}`;
  const parsed = parseManifest(await fetchAll(src.target, root, undefined, what), root.mediaType, what);
  if (parsed.kind !== 'index') return root.digest;
  return (await filteredIndex(src.target, root, parsed.mediaType, parsed.index, task.item.platforms)).descriptor.digest;
}

function limitReason(r: GateRefusal, min: number): string {
  const busy = r.inFlight ? ` and ${r.inFlight} in progress` : '';
  return `pull limit: ${r.host} has ${r.remaining} pull(s) left${busy}, and --ratelimit-min is ${min}`;
}

/**
 * Waits for another task copying the same image to the same place, then answers what is there;
 * else, when the target already holds the source manifest (another tag names it), answers that;
 * else registers this task as the one copying it (`finish` must then be called).
 */
async function presentOrClaim(
  shared: RunShared,
  key: string,
  check: () => Promise<Descriptor | undefined>,
): Promise<{ present: Descriptor } | { finish: (desc: Descriptor | undefined) => void }> {
  for (;;) {
    const running = shared.copies.get(key);
    if (running) {
      const desc = await running;
      if (desc) return { present: desc };
      continue;
    }
    const present = await check();
    if (present) return { present };
    if (shared.copies.has(key)) continue;
    let settle!: (desc: Descriptor | undefined) => void;
    shared.copies.set(key, new Promise((resolve) => (settle = resolve)));
    return {
      finish: (desc) => {
        shared.copies.delete(key);
        settle(desc);
      },
    };
  }
}

/** Copies the image into the target through the run's claims and names it; the copy result. */
async function copyInto(task: SyncTask, src: SyncSource, root: Descriptor, dst: SyncTargetEnd, filtering: boolean, options: SyncRunOptions, shared: RunShared) {
  const target = await dst.open();
  const claimed = shared.claims.forTask(target, scopeOf(task));
  const sameRegistry =
    task.target.kind === 'registry' && task.target.ref.registry === task.source.registry && task.target.ref.repository !== task.source.repository;
  let concurrency = task.item.concurrency ?? options.concurrency ?? 4;
  if (sameRegistry && options.connections) {
    // A blob the registry will not mount is read and written on one host: each transfer holds a
    // GET and a PUT connection, so all the jobs' transfers together must fit in the host's cap,
    // or GETs waiting on PUTs would hold every connection.
    concurrency = Math.min(concurrency, Math.max(1, Math.floor(options.connections / (2 * (options.jobs ?? 4)))));
  }
  const copyOptions: CopyOptions = {
    platforms: filtering ? { mode: 'subset', platforms: task.item.platforms } : { mode: 'all' },
    concurrency,
    onPresent: (desc) => claimed.settle(desc),
    ...(options.listener ? { listener: options.listener } : {}),
    ...(sameRegistry ? { mountCandidates: () => [task.source.repository] } : {}),
  };
  try {
    const copied = await copyDescriptor(src.target, root, claimed.target, undefined, copyOptions);
    await dst.name(copied.descriptor);
    if (task.item.referrers && options.copyReferrers) await options.copyReferrers(task, src.target, target, copied);
    return copied;
  } finally {
    claimed.releaseAll();
  }
}

/**
 * Brings one image in step (idempotent): HEADs the source and the target, and when the target
 * already names the source's digest, stops there — nothing is read or written, and Docker Hub
 * counts no pull. A manifest the target holds under another tag is only named (no pull either).
 * Otherwise it takes a pull from the rate gate (or reports the image skipped) and copies; the copy
 * skips blobs the target has and mounts within one registry. With platforms, a multi-platform
 * source's filtered index is computed (one manifest GET) to compare. Failures become the result.
 */
export async function runTask(index: number, task: SyncTask, ends: SyncEnds, options: SyncRunOptions, shared: RunShared): Promise<SyncResult> {
  const now = options.now ?? Date.now;
  const started = now();
  const base = { index, source: formatReference(task.source), target: formatLocation(task.target) };
  const done = (fields: Omit<SyncResult, 'index' | 'source' | 'target' | 'seconds'>): SyncResult => ({ ...base, ...fields, seconds: (now() - started) / 1000 });
  const src = ends.source(task.source);
  let host: string | undefined;
  try {
    const head = await src.head(task.source.digest ?? (task.source.tag as string));
    const dst = await ends.target(task, { write: !options.dryRun, reopen: (d) => src.target.fetch(d) });
    const filtering = task.item.platforms.length > 0 && isIndexMediaType(head.mediaType);
    const current = await dst.current(head);
    if (!filtering && current === head.digest) {
      // A signature or SBOM attached upstream after the image was mirrored follows it on a later run.
      if (task.item.referrers && !options.dryRun && options.copyReferrers) {
        const same = { descriptor: head, source: head, filtered: false, copied: 0, skipped: 0, mounted: 0, bytes: 0 };
        await options.copyReferrers(task, src.target, await dst.open(), same);
      }
      return done({ status: 'up-to-date', digest: head.digest });
    }
    if (options.dryRun && !(filtering && current !== undefined)) return done({ status: 'would-copy', digest: head.digest });
    const viaFilter = filtering ? { sourceDigest: head.digest } : {};

    let finish: (desc: Descriptor | undefined) => void = () => undefined;
    if (!options.dryRun) {
      const key = `${scopeOf(task)}@${head.digest}${filtering ? `|${task.item.platforms.map(formatPlatform).join(',')}` : ''}`;
      const check = async (): Promise<Descriptor | undefined> => (!filtering && head.mediaType && (await (await dst.open()).exists(head)) ? head : undefined);
      const claim = await presentOrClaim(shared, key, check);
      if ('present' in claim) {
        await dst.name(claim.present);
        const sourceDigest = claim.present.digest !== head.digest ? { sourceDigest: head.digest } : {};
        return done({ status: 'copied', digest: claim.present.digest, ...sourceDigest, blobs: { copied: 0, skipped: 0, mounted: 0 }, bytes: 0 });
      }
      finish = claim.finish;
    }
    let result: Descriptor | undefined;
    try {
      // From here manifests are read with GET: a pull, as Docker Hub counts them.
      const gateHost = src.host();
      const refusal = options.gate?.acquire(gateHost);
      if (refusal) return done({ status: 'skipped', digest: head.digest, reason: limitReason(refusal, options.gate?.min ?? 0) });
      host = gateHost;
      let root: Descriptor;
      try {
        root = await src.target.resolve(head.digest);
      } finally {
        // The GET's answer carried the new count: this pull is no longer ahead of it.
        options.gate?.release(gateHost);
      }
      if (filtering && current !== undefined) {
        const expected = await filteredDigest(src, root, task);
        if (expected === current) return done({ status: 'up-to-date', digest: expected, ...viaFilter });
        if (options.dryRun) return done({ status: 'would-copy', digest: expected, ...viaFilter });
      }
      options.onEvent?.({ type: 'start', ...base });
      const copied = await copyInto(task, src, root, dst, filtering, options, shared);
      result = copied.descriptor;
      return done({
        status: 'copied',
        digest: copied.descriptor.digest,
        ...(copied.descriptor.digest !== head.digest ? { sourceDigest: head.digest } : {}),
        blobs: { copied: copied.copied, skipped: copied.skipped, mounted: copied.mounted },
        bytes: copied.bytes,
      });
    } finally {
      finish(result);
    }
  } catch (err) {
    // Docker Hub answers 429 once the limit is spent (after the transport's Retry-After retries):
    // this image and every later pull from that host are skipped, not failed.
    if (err instanceof RegistryError && err.status === 429 && options.gate) {
      const limited = host ?? src.host();
      options.gate.exhaust(limited);
      return done({ status: 'skipped', reason: `pull limit: ${limited} answered 429 (${err.message})` });
    }
    return done({ status: 'failed', ...failure(err) });
  }
}
