import { existsSync } from 'node:fs';
import { isRegctlError } from '../errors.js';
import { LayoutStore } from '../layout/layout-store.js';
import type { Descriptor } from '../oci/descriptor.js';
import { MirroredRepository } from '../registry/mirrored.js';
import type { Session } from '../session.js';
import type { SyncEnds, SyncTargetEnd } from '../sync/types.js';

/** The digest a lookup found, or undefined when the name is not there. */
async function digestOrAbsent(lookup: () => Promise<Descriptor>): Promise<string | undefined> {
  try {
    return (await lookup()).digest;
  } catch (err) {
    if (isRegctlError(err) && err.kind === 'not-found') return undefined;
    throw err;
  }
}

/**
 * Opens sync's ends through the session: a source reads through the registry's mirrors (as every
 * read command does), a registry target is written directly, an `oci:DIR` target is opened once per
 * run and shared by its images. Each call gives fresh repository objects, so no manifest bytes of a
 * finished image stay in memory; connections and tokens are the session's, shared by all.
 * Not Session.open: that asks a registry target for its push token at once, and a dry run or an
 * up-to-date image must not; a target here is readied for writing only when a copy starts.
 */
export function openSyncEnds(session: Session): SyncEnds {
  const layouts = new Map<string, Promise<LayoutStore | undefined>>();
  const layout = (dir: string, write: boolean): Promise<LayoutStore | undefined> => {
    const key = `${write ? 'w' : 'r'}:${dir}`;
    let store = layouts.get(key);
    if (!store) {
      // A dry run creates nothing: a directory that is not there yet holds nothing.
      store = !write && !existsSync(dir) ? Promise.resolve(undefined) : LayoutStore.open(dir, { create: write });
      layouts.set(key, store);
    }
    return store;
  };
  return {
    source(ref) {
      const repo = session.source(ref);
      return {
        target: repo,
        head: (reference) => repo.head(reference),
        tags: () => repo.tags(),
        host: () => (repo instanceof MirroredRepository ? repo.active : repo).client.host,
      };
    },
    async target(task, { write, reopen }): Promise<SyncTargetEnd> {
      const name = task.name;
      if (task.target.kind === 'registry') {
        const repo = session.repository(task.target.ref, { reopen });
        return {
          open: async () => repo,
          current: (head) => digestOrAbsent(() => repo.head(name ?? head.digest)),
          name: async (desc) => {
            if (name !== undefined) await repo.tag(desc, name);
          },
        };
      }
      const dir = task.target.dir;
      const store = await layout(dir, write);
      return {
        open: async () => (await layout(dir, true)) as LayoutStore,
        current: async (head) => (store ? digestOrAbsent(() => store.resolve(name ?? head.digest)) : undefined),
        name: async (desc) => {
          if (name !== undefined && store) await store.tag(desc, name, { imageName: task.imageName ?? null });
        },
      };
    },
  };
}
