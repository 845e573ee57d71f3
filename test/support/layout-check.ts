import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { LayoutStore } from '../../src/layout/layout-store.js';
import type { ContractTarget } from './target-contract.js';
import { umociLs } from './tools.js';

/** A fresh LayoutStore in a new temp directory. */
export async function tempLayout(prefix = 'regctl-layout-'): Promise<{ store: LayoutStore; dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const store = await LayoutStore.open(dir, { create: true });
  return { store, dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Files left in the layout's temp directory (interrupted or failed writes). */
export async function tempFiles(dir: string): Promise<string[]> {
  return readdir(join(dir, '.tmp')).catch(() => []);
}

/**
 * Wraps a LayoutStore so that every cache-changing call (push, tag), failed or not, is followed by
 * `umoci ls --layout DIR`, which must exit 0; for the Target contract suite.
 */
export function umociCheckedTarget(store: LayoutStore, cleanup: () => Promise<void>): ContractTarget {
  const check = async <T>(op: Promise<T>): Promise<T> => {
    try {
      return await op;
    } finally {
      await umociLs(store.dir);
    }
  };
  return {
    fetch: (desc: Descriptor) => store.fetch(desc),
    exists: (desc: Descriptor) => store.exists(desc),
    resolve: (ref: string) => store.resolve(ref),
    push: (desc: Descriptor, content: Readable) => check(store.push(desc, content)),
    tag: (desc: Descriptor, ref: string) => check(store.tag(desc, ref)),
    cleanup,
  };
}
