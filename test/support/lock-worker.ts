// Child process for the index-lock test: adds COUNT tags PREFIX-0..PREFIX-(COUNT-1) to one layout.
// Usage: node lock-worker.js DIR PREFIX COUNT DESCRIPTOR_JSON
import { LayoutStore } from '../../src/layout/layout-store.js';
import type { Descriptor } from '../../src/oci/descriptor.js';

/** Adds `count` tags to the layout at `dir`, all pointing at `desc`. */
export async function addTags(dir: string, prefix: string, count: number, desc: Descriptor): Promise<void> {
  const store = await LayoutStore.open(dir, { create: true });
  for (let i = 0; i < count; i++) await store.tag(desc, `${prefix}-${i}`);
}

const [dir, prefix, count, json] = process.argv.slice(2);
if (dir && prefix && count && json) {
  addTags(dir, prefix, Number(count), JSON.parse(json) as Descriptor).catch((err: unknown) => {
    process.stderr.write(`lock-worker: ${(err as Error).message}\n`);
    process.exitCode = 1;
  });
}
