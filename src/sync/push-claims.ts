import type { Readable } from 'node:stream';
import { isMounter, type Target } from '../content/types.js';
import type { Descriptor } from '../oci/descriptor.js';

/** A task's view of a target through the claims: the Target to copy into, and how to let go. */
export interface ClaimedTarget {
  target: Target;
  /** Lets others go on once `desc` is present (copy's onPresent). */
  settle(desc: Descriptor): void;
  /** Lets go of every claim still held (the task ended, maybe failing). */
  releaseAll(): void;
}

/**
 * Makes sure two images of one run never write the same blob or manifest to the same target at
 * the same time. Images of one repository share layers, and the `distribution` registry's
 * filesystem storage rewrites a repository's link file on every upload of a blob: a manifest PUT
 * reading that link mid-rewrite fails ("digest invalid"). So the first task to find a digest
 * missing claims it; another asking meanwhile waits until it is present (or the first task
 * ends) and then finds it there, instead of uploading it again.
 */
export class PushClaims {
  private readonly held = new Map<string, Promise<void>>();

  /** Wraps `target` (the place named `scope`) for one task. */
  forTask(target: Target, scope: string): ClaimedTarget {
    const mine = new Map<string, () => void>();
    const keyOf = (desc: Descriptor): string => `${scope}@${desc.digest}`;
    const exists = async (desc: Descriptor): Promise<boolean> => {
      const key = keyOf(desc);
      if (mine.has(key)) return target.exists(desc);
      for (;;) {
        const running = this.held.get(key);
        if (running) {
          await running;
          continue;
        }
        if (await target.exists(desc)) return true;
        if (this.held.has(key)) continue;
        let release!: () => void;
        this.held.set(key, new Promise<void>((resolve) => (release = resolve)));
        mine.set(key, release);
        return false;
      }
    };
    const settleKey = (key: string): void => {
      const release = mine.get(key);
      if (!release) return;
      mine.delete(key);
      this.held.delete(key);
      release();
    };
    const wrapped: Target & Partial<{ mount: (desc: Descriptor, fromRepo: string) => Promise<boolean> }> = {
      exists,
      fetch: (desc: Descriptor) => target.fetch(desc),
      push: (desc: Descriptor, content: Readable) => target.push(desc, content),
      resolve: (reference: string) => target.resolve(reference),
      tag: (desc: Descriptor, reference: string) => target.tag(desc, reference),
    };
    if (isMounter(target)) wrapped.mount = (desc, fromRepo) => target.mount(desc, fromRepo);
    return {
      target: wrapped,
      settle: (desc) => settleKey(keyOf(desc)),
      releaseAll: () => [...mine.keys()].forEach(settleKey),
    };
  }
}
