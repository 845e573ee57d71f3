import { RegctlError } from '../errors.js';
import { formatReference, isReferenceDigest, isTag, parseReference, type Reference } from './reference.js';

/** Where an image lives: a registry reference, or an OCI image layout directory with an optional ref inside it. */
export type Location =
  | { kind: 'registry'; ref: Reference }
  | {
      kind: 'oci';
      dir: string;
      /** A tag, a digest, or a full name as stored in the layout's index; undefined if absent. */
      ref?: string;
    };

const OCI_PREFIX = 'oci:';
const WINDOWS_DRIVE = /^[A-Za-z]:[\\/]/;
const DIGEST_SUFFIX = /@([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[^@:/\\]*)$/;

function invalid(input: string, reason: string): RegctlError {
  return new RegctlError('usage', `invalid location "${input}": ${reason}`);
}

/** True when `ref` may name an image inside a layout: a tag, a digest, or a docker reference as written. */
function isLayoutRef(ref: string): boolean {
  if (isTag(ref) || isReferenceDigest(ref)) return true;
  try {
    parseReference(ref);
    return true;
  } catch {
    return false;
  }
}

/**
 * Parses `oci:DIR[:REF]`, `oci:DIR@DIGEST`, or otherwise a registry reference (SPEC §1).
 *
 * The rule for `oci:` is skopeo's, so the same strings mean the same thing to both tools:
 * after an optional Windows drive prefix (`C:\` or `C:/`), DIR ends at the first `:`, and
 * everything after it is REF, which may itself contain `:` (`oci:/tmp/l:example.com/app:v1`).
 * `oci:DIR@sha256:…` (no `:` in DIR) names a digest. A DIR containing `:` other than a drive
 * letter cannot be written. REF must be a valid tag, digest, or docker reference.
 */
export function parseLocation(input: string): Location {
  if (!input.startsWith(OCI_PREFIX)) return { kind: 'registry', ref: parseReference(input) };
  const rest = input.slice(OCI_PREFIX.length);
  const start = WINDOWS_DRIVE.test(rest) ? 2 : 0;

  let dir = rest;
  let ref: string | undefined;
  const digestMatch = DIGEST_SUFFIX.exec(rest);
  if (digestMatch && digestMatch.index >= start && !rest.slice(start, digestMatch.index).includes(':')) {
    dir = rest.slice(0, digestMatch.index);
    ref = digestMatch[1] as string;
    if (!isReferenceDigest(ref)) throw invalid(input, `invalid digest "${ref}" (expected sha256:<64 hex> or sha512:<128 hex>)`);
  } else {
    const colon = rest.indexOf(':', start);
    if (colon >= 0) {
      dir = rest.slice(0, colon);
      ref = rest.slice(colon + 1);
      if (ref === '') throw invalid(input, 'empty reference after ":"');
      if (!isLayoutRef(ref)) throw invalid(input, `invalid reference "${ref}"`);
    }
  }
  if (dir === '') throw invalid(input, 'missing directory (write oci:DIR[:REF])');
  return ref === undefined ? { kind: 'oci', dir } : { kind: 'oci', dir, ref };
}

/** The string form of a location; parseLocation(formatLocation(l)) gives back an equal location. */
export function formatLocation(loc: Location): string {
  if (loc.kind === 'registry') return formatReference(loc.ref);
  if (loc.ref === undefined) return OCI_PREFIX + loc.dir;
  return OCI_PREFIX + loc.dir + (isReferenceDigest(loc.ref) ? '@' : ':') + loc.ref;
}
