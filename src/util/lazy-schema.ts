import type { z } from 'zod';

/** zod's namespace, as a lazy schema's builder receives it. */
export type Zod = typeof z;

/**
 * A zod schema built on first use: zod (~60 ms to load at start-up) is imported only when a
 * document from outside (a config file, a token answer, a registry's error body) is checked.
 */
export function lazySchema<T>(build: (zod: Zod) => T): () => Promise<T> {
  let schema: Promise<T> | undefined;
  return () => {
    schema ??= import('zod').then((m) => build(m.z));
    return schema;
  };
}
