import semver from 'semver';

/** Which tags of a repository a sync item takes (the `tags:` field of a sync file). */
export interface TagRules {
  /** Regular expressions; a tag matching any is taken. */
  allow?: readonly string[];
  /** Regular expressions; a tag matching any is dropped, whatever else matched it. */
  deny?: readonly string[];
  /** A semver range (npm's syntax); a tag that reads as a version in it is taken. */
  semver?: string;
}

/** Decides, tag by tag, what a sync item takes. */
export type TagFilter = (tag: string) => boolean;

const SHORT_VERSION = /^v?(\d+)(?:\.(\d+))?$/;

/**
 * The version a tag stands for, or undefined: `1.2.3`, `v1.2.3`, `1.2.3-rc.1` as semver says, and
 * the short forms registries are full of, `1.2` (= 1.2.0) and `1` (= 1.0.0). `latest`, `3.19-alpine`
 * and `1.2.3.4` are not versions.
 */
export function tagVersion(tag: string): string | undefined {
  const short = SHORT_VERSION.exec(tag);
  if (short) return `${Number(short[1])}.${Number(short[2] ?? 0)}.0`;
  return semver.valid(tag.replace(/^v(?=\d)/, '')) ?? undefined;
}

/** Why a semver range is not one, or undefined when it is valid. */
export function semverRangeProblem(range: string): string | undefined {
  return semver.validRange(range) === null ? `"${range}" is not a semver range (e.g. ">=3.18", "^1.2", "1.x")` : undefined;
}

/** Why a regular expression does not compile, or undefined when it does. */
export function regexProblem(source: string): string | undefined {
  try {
    new RegExp(source);
    return undefined;
  } catch (err) {
    return `"${source}" is not a regular expression (${(err as Error).message.replace(/^Invalid regular expression: /, '')})`;
  }
}

/**
 * Compiles tag rules: the tags taken are those whose version is in `semver` or that match an
 * `allow` expression, minus those matching a `deny` expression; with neither `semver` nor `allow`,
 * every tag not denied. Expressions are unanchored, as in grep: write `^latest$` for one tag.
 * Prereleases (`1.2.3-rc.1`) are in a range only when it names a prerelease, as npm has it.
 */
export function compileTagFilter(rules: TagRules = {}): TagFilter {
  const allow = (rules.allow ?? []).map((r) => new RegExp(r));
  const deny = (rules.deny ?? []).map((r) => new RegExp(r));
  const range = rules.semver;
  const everything = allow.length === 0 && range === undefined;
  return (tag) => {
    if (deny.some((r) => r.test(tag))) return false;
    if (everything) return true;
    if (allow.some((r) => r.test(tag))) return true;
    if (range === undefined) return false;
    const version = tagVersion(tag);
    return version !== undefined && semver.satisfies(version, range);
  };
}
