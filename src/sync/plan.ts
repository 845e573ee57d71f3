import { formatLocation, type Location } from '../ref/location.js';
import { formatReference, formatRepository, isTag, parseReference, type Reference } from '../ref/reference.js';
import { compileTagFilter } from './tag-filter.js';
import type { SyncEnds, SyncItem, SyncTask } from './types.js';

/** One step of a plan: an image to sync, or an item whose tags could not be listed. */
export type PlanEntry = { kind: 'task'; index: number; task: SyncTask } | { kind: 'unlisted'; index: number; source: string; target: string; error: unknown };

/** This run's share of a plan: positions p with p % count === index - 1 (`--shard index/count`, 1-based). */
export interface Shard {
  index: number;
  count: number;
}

/** Orders tags the same way on every machine (code units, not locale). */
function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The full name an `oci:` entry records: the name itself when it is one, else the source repository with it. */
function imageNameFor(source: Reference, name: string): string {
  if (!isTag(name)) {
    try {
      return formatReference(parseReference(name));
    } catch {
      // Not a reference: fall through to the source's repository.
    }
  }
  return `${formatRepository(source)}:${name}`;
}

/** The task for one image of an item: where it goes and the name it gets there. */
export function taskFor(item: SyncItem, source: Reference): SyncTask {
  const target: Location = item.target;
  if (target.kind === 'oci') {
    const name = target.ref ?? source.tag;
    if (name === undefined) return { item, source, target };
    return { item, source, target: { kind: 'oci', dir: target.dir, ref: name }, name, imageName: imageNameFor(source, name) };
  }
  const tag = target.ref.tag ?? source.tag;
  const ref: Reference = { registry: target.ref.registry, repository: target.ref.repository };
  if (tag === undefined) return { item, source, target: { kind: 'registry', ref: { ...ref, ...(source.digest ? { digest: source.digest } : {}) } } };
  return { item, source, target: { kind: 'registry', ref: { ...ref, tag } }, name: tag };
}

/**
 * Expands items into images, lazily and in a fixed order (items as written, each repository's
 * tags sorted), so every shard of a run sees the same numbering; an item whose tags cannot be
 * listed takes one position and reports the failure. Only one repository's tag list is held at
 * a time, and nothing per image once it is handed out.
 */
export async function* expandPlan(items: readonly SyncItem[], ends: SyncEnds, shard?: Shard): AsyncGenerator<PlanEntry> {
  let position = 0;
  let index = 0;
  const mine = (): boolean => {
    const p = position++;
    return !shard || p % shard.count === shard.index - 1;
  };
  for (const item of items) {
    if (item.source.tag !== undefined || item.source.digest !== undefined) {
      if (mine()) yield { kind: 'task', index: index++, task: taskFor(item, item.source) };
      continue;
    }
    let tags: string[];
    try {
      const keep = compileTagFilter(item.tags);
      tags = (await ends.source(item.source).tags()).filter(keep).sort(byCodeUnit);
    } catch (error) {
      if (mine()) yield { kind: 'unlisted', index: index++, source: formatRepository(item.source), target: formatLocation(item.target), error };
      continue;
    }
    for (const tag of tags) {
      if (mine()) yield { kind: 'task', index: index++, task: taskFor(item, { ...item.source, tag }) };
    }
  }
}
