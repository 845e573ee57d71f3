import { MemoryStore } from '../../src/content/memory-store.js';
import type { Mounter } from '../../src/content/types.js';
import type { Descriptor } from '../../src/oci/descriptor.js';

/**
 * A MemoryStore that can mount (the Mounter ability of a registry): `repositories` are the other
 * repositories of its "registry"; a mount from one that holds the blob copies it in without the
 * copy engine moving a byte, and is recorded.
 */
export class MountingStore extends MemoryStore implements Mounter {
  /** Every mount asked for, with whether it succeeded. */
  readonly mounts: { digest: string; from: string; mounted: boolean }[] = [];

  constructor(private readonly repositories: Record<string, MemoryStore>) {
    super();
  }

  /** Mounts `desc` from `fromRepo` when that repository holds it; false otherwise, as a registry answers 202 instead of 201. */
  async mount(desc: Descriptor, fromRepo: string): Promise<boolean> {
    const repo = this.repositories[fromRepo];
    const mounted = repo !== undefined && (await repo.exists(desc));
    if (mounted) await this.push(desc, await repo.fetch(desc));
    this.mounts.push({ digest: desc.digest, from: fromRepo, mounted });
    return mounted;
  }
}
