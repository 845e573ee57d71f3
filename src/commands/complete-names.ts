import { readIndex } from '../layout/index-file.js';
import { Annotation } from '../oci/descriptor.js';
import { isIndexMediaType } from '../oci/media-types.js';
import { familiarName, parseReference } from '../ref/reference.js';
import type { Session } from '../session.js';
import type { CommandIo } from './io.js';

/** Options of the hidden `regctl __complete` the shell completion scripts call. */
export interface CompleteNamesOptions {
  /** `images`: every cached name; `lists`: the cached manifest lists. */
  kind: 'images' | 'lists';
  /** The command line being completed; a `--cache-dir DIR` in it names the cache to list. */
  words: string[];
}

/** The `--cache-dir` the command line being completed gives, if any. */
function cacheDirIn(words: readonly string[]): string | undefined {
  let dir: string | undefined;
  words.forEach((w, i) => {
    if (w === '--cache-dir' && words[i + 1] !== undefined) dir = words[i + 1];
    else if (w.startsWith('--cache-dir=')) dir = w.slice('--cache-dir='.length);
  });
  return dir;
}

/**
 * Prints the cached image names (docker's short form, as `images` shows them) for shell completion:
 * read from index.json alone, creating nothing; a missing or unreadable cache lists nothing.
 */
export async function completeNames(session: Session, options: CompleteNamesOptions, io: CommandIo): Promise<string[]> {
  let manifests;
  try {
    manifests = (await readIndex(cacheDirIn(options.words) ?? session.cacheDir)).manifests;
  } catch {
    return [];
  }
  const names = new Set<string>();
  for (const desc of manifests) {
    const name = desc.annotations?.[Annotation.refName];
    if (!name || (options.kind === 'lists' && !isIndexMediaType(desc.mediaType))) continue;
    try {
      names.add(familiarName(parseReference(name)));
    } catch {
      // a name another tool wrote that is no reference: not offered
    }
  }
  const sorted = [...names].sort();
  for (const n of sorted) io.out(n);
  return sorted;
}
