import { isRegctlError } from '../errors.js';
import type { Platform } from '../oci/descriptor.js';
import { parsePlatform } from '../oci/platform.js';
import { parseLocation, type Location } from '../ref/location.js';
import { isReferenceDigest, parseReference, type Reference } from '../ref/reference.js';
import { regexProblem, semverRangeProblem, type TagRules } from './tag-filter.js';
import type { SyncItem } from './types.js';

/** A path into a sync file, e.g. `['sync', 1, 'tags', 'semver']`. */
export type FieldPath = readonly (string | number)[];

/** Something wrong with one field. */
export interface Problem {
  path: FieldPath;
  message: string;
}

/** The settings an item and `defaults:` share, as written. */
export interface RawRules {
  tags?: TagRules | undefined;
  platforms?: string[] | undefined;
  referrers?: boolean | undefined;
  concurrency?: number | undefined;
}

/** One item as written. */
export interface RawItem extends RawRules {
  source: string;
  target: string;
}

function message(err: unknown): string {
  return isRegctlError(err) || err instanceof Error ? err.message : String(err);
}

/** Problems of the shared settings (regular expressions, semver range, platforms), with paths under `at`. */
export function rulesProblems(raw: RawRules, at: FieldPath): Problem[] {
  const problems: Problem[] = [];
  for (const list of ['allow', 'deny'] as const) {
    raw.tags?.[list]?.forEach((r, i) => {
      const p = regexProblem(r);
      if (p) problems.push({ path: [...at, 'tags', list, i], message: p });
    });
  }
  const range = raw.tags?.semver;
  if (range !== undefined) {
    const p = semverRangeProblem(range);
    if (p) problems.push({ path: [...at, 'tags', 'semver'], message: p });
  }
  raw.platforms?.forEach((p, i) => {
    try {
      platformList([p]);
    } catch (err) {
      problems.push({ path: [...at, 'platforms', i], message: message(err) });
    }
  });
  return problems;
}

/** Parses platforms as written, each entry possibly a comma-separated list (as --platform takes them). */
export function platformList(written: readonly string[]): Platform[] {
  return written
    .flatMap((p) => p.split(','))
    .map((p) => p.trim())
    .filter(Boolean)
    .map(parsePlatform);
}

function parseSource(text: string): Reference {
  if (text.startsWith('oci:')) throw new Error(`a sync source is a registry repository or image, not "${text}" (copy reads oci: directories)`);
  return parseReference(text, { defaultTag: false });
}

function parseTarget(text: string): Location {
  if (text.startsWith('oci:')) return parseLocation(text);
  return { kind: 'registry', ref: parseReference(text, { defaultTag: false }) };
}

/** True when the target names one image (a tag, a digest, or an `oci:DIR:REF`). */
function namesOneImage(target: Location): boolean {
  return target.kind === 'oci' ? target.ref !== undefined : target.ref.tag !== undefined || target.ref.digest !== undefined;
}

/**
 * Checks one item (with `defaults` already checked and filled in) and builds it; problems carry
 * paths under `at`. A repository source with a target that names one image, a tag rule on a
 * one-image source, and a digest in a registry target are refused: each would write many tags to
 * one name, or filter nothing.
 */
export function buildItem(raw: RawItem, defaults: RawRules, at: FieldPath, origin: string): { item?: SyncItem; problems: Problem[] } {
  const problems = rulesProblems(raw, at);
  let source: Reference | undefined;
  let target: Location | undefined;
  try {
    source = parseSource(raw.source);
  } catch (err) {
    problems.push({ path: [...at, 'source'], message: message(err) });
  }
  try {
    target = parseTarget(raw.target);
  } catch (err) {
    problems.push({ path: [...at, 'target'], message: message(err) });
  }
  const tags = raw.tags ?? defaults.tags;
  if (source && target) {
    const oneImage = source.tag !== undefined || source.digest !== undefined;
    if (!oneImage && namesOneImage(target)) {
      problems.push({
        path: [...at, 'target'],
        message: `"${raw.target}" names one image, but the source ${raw.source} is a repository of many tags: give a repository (or oci:DIR)`,
      });
    }
    if (oneImage && raw.tags !== undefined) {
      problems.push({ path: [...at, 'tags'], message: `tag rules need a repository source, but ${raw.source} names one image` });
    }
    if (
      (target.kind === 'registry' && target.ref.digest !== undefined) ||
      (target.kind === 'oci' && target.ref !== undefined && isReferenceDigest(target.ref))
    ) {
      problems.push({ path: [...at, 'target'], message: `a target cannot name a digest ("${raw.target}"): the copy's digest is the source's` });
    }
    if (target.kind === 'oci' && target.ref === undefined && source.tag === undefined && source.digest !== undefined) {
      problems.push({ path: [...at, 'target'], message: `the source ${raw.source} has no tag to name the image by in ${raw.target}: write oci:DIR:NAME` });
    }
  }
  if (problems.length > 0 || !source || !target) return { problems };
  const platforms = platformList(raw.platforms ?? defaults.platforms ?? []);
  const item: SyncItem = {
    source,
    target,
    platforms,
    referrers: raw.referrers ?? defaults.referrers ?? false,
    origin,
  };
  if (tags !== undefined && source.tag === undefined && source.digest === undefined) item.tags = tags;
  const concurrency = raw.concurrency ?? defaults.concurrency;
  if (concurrency !== undefined) item.concurrency = concurrency;
  return { item, problems };
}
