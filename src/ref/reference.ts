import { RegctlError } from '../errors.js';
import { DOCKER_HUB, isDockerHub, registryHostProblem } from './registry.js';

/** An image reference in fully normalized form (SPEC §1): `registry/repository[:tag][@digest]`. */
export interface Reference {
  /** Registry host with optional port, e.g. `docker.io`, `localhost:5000`, `[::1]:5000`. */
  registry: string;
  /** Repository path inside the registry, e.g. `library/node`. */
  repository: string;
  tag?: string;
  digest?: string;
}

/** Options of parseReference. */
export interface ParseReferenceOptions {
  /** Add the tag `latest` when the input has neither tag nor digest. Default true. */
  defaultTag?: boolean;
}

const OFFICIAL_PREFIX = 'library/';
const DEFAULT_TAG = 'latest';
/** Longest allowed `registry/repository` (SPEC §1: "the whole name at most 255 characters"). */
const NAME_MAX = 255;

// Grammar from distribution/reference (regexp.go), kept as separate anchored pieces so that
// each failure can be reported precisely.
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;
const DIGEST_SHAPE = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[A-Za-z0-9=_-]+$/;
const IDENTIFIER = /^[a-f0-9]{64}$/;

/** True when `value` is a valid tag: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`. */
export function isTag(value: string): boolean {
  return TAG.test(value);
}

/** True when `value` is a digest regctl accepts in a reference: sha256 or sha512, lowercase hex. */
export function isReferenceDigest(value: string): boolean {
  return DIGEST.test(value);
}

function digestProblem(digest: string): string {
  if (!DIGEST_SHAPE.test(digest)) return 'invalid digest format';
  const algorithm = digest.slice(0, digest.indexOf(':'));
  if (algorithm !== 'sha256' && algorithm !== 'sha512') return `unsupported digest algorithm "${algorithm}" (use sha256 or sha512)`;
  const hex = digest.slice(algorithm.length + 1);
  if (!/^[a-f0-9]*$/.test(hex)) return 'invalid digest format: digest must be lowercase hexadecimal';
  return `invalid digest format: ${algorithm} needs ${algorithm === 'sha256' ? 64 : 128} hexadecimal characters, got ${hex.length}`;
}

/** Splits a name (no tag, no digest) into registry and repository the way docker's splitDockerDomain does. */
function splitName(name: string): { registry: string; repository: string } {
  const slash = name.indexOf('/');
  if (slash < 0) return { registry: DOCKER_HUB, repository: OFFICIAL_PREFIX + name };
  const first = name.slice(0, slash);
  // SPEC §1: the first component is a host only if it has "." or ":" or is "localhost".
  // (Newer docker also treats an uppercase first component as a host; the SPEC does not.)
  if (first === 'localhost' || first.includes('.') || first.includes(':')) {
    const registry = isDockerHub(first) ? DOCKER_HUB : first;
    const rest = name.slice(slash + 1);
    const repository = registry === DOCKER_HUB && rest !== '' && !rest.includes('/') ? OFFICIAL_PREFIX + rest : rest;
    return { registry, repository };
  }
  return { registry: DOCKER_HUB, repository: name };
}

/** Validates registry and repository and returns the reason they are invalid, or undefined. */
function nameProblem(registry: string, repository: string, hostAsWritten: string): string | undefined {
  if (repository !== repository.toLowerCase()) return 'repository name must be lowercase';
  const hostProblem = registryHostProblem(hostAsWritten);
  if (hostProblem) return hostProblem;
  if (repository === '') return 'repository name must have at least one component';
  for (const component of repository.split('/')) {
    if (!PATH_COMPONENT.test(component)) return 'invalid reference format';
  }
  if (registry.length + 1 + repository.length > NAME_MAX) {
    return `repository name must not be more than ${NAME_MAX} characters`;
  }
  return undefined;
}

/**
 * Parses an image reference with docker's grammar and normalization (SPEC §1).
 * Throws a usage RegctlError naming the input and what is wrong with it.
 */
export function parseReference(input: string, options: ParseReferenceOptions = {}): Reference {
  return parse(input, options, 'reference');
}

/** parseReference, naming the input `what` ("reference", "repository") in its errors. */
function parse(input: string, options: ParseReferenceOptions, what: string): Reference {
  const invalid = (reason: string): RegctlError => new RegctlError('usage', `invalid ${what} "${input}": ${reason}`);
  if (input === '') throw invalid('repository name must have at least one component');
  if (IDENTIFIER.test(input)) {
    throw invalid('cannot specify 64-byte hexadecimal strings (a digest needs a repository: NAME@sha256:HEX)');
  }
  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.indexOf(':', rest.lastIndexOf('/') + 1);
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  if (rest === '') throw invalid('invalid reference format');

  const { registry, repository } = splitName(rest);
  const slash = rest.indexOf('/');
  const hostAsWritten = registry === DOCKER_HUB || slash < 0 ? DOCKER_HUB : rest.slice(0, slash);
  const problem = nameProblem(registry, repository, hostAsWritten);
  if (problem) throw invalid(problem);
  if (tag !== undefined && !TAG.test(tag)) throw invalid('invalid tag format');
  if (digest !== undefined && !DIGEST.test(digest)) throw invalid(digestProblem(digest));

  const ref: Reference = { registry, repository };
  if (tag !== undefined) ref.tag = tag;
  else if (digest === undefined && options.defaultTag !== false) ref.tag = DEFAULT_TAG;
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

/**
 * Parses a repository name that must carry no tag and no digest (for `tags REPO`, `images REPO`).
 * Throws a usage RegctlError when the name is invalid or has a tag or digest.
 */
export function parseRepository(input: string): Reference {
  const ref = parse(input, { defaultTag: false }, 'repository');
  if (ref.tag !== undefined || ref.digest !== undefined) {
    throw new RegctlError('usage', `invalid repository "${input}": a repository name takes no tag or digest`);
  }
  return { registry: ref.registry, repository: ref.repository };
}

/** `registry/repository`, e.g. `docker.io/library/node`. */
export function formatRepository(ref: Reference): string {
  return `${ref.registry}/${ref.repository}`;
}

function suffix(ref: Reference): string {
  return (ref.tag !== undefined ? `:${ref.tag}` : '') + (ref.digest !== undefined ? `@${ref.digest}` : '');
}

/** The fully normalized form, e.g. `docker.io/library/node:latest` or `host:5000/a/b@sha256:…`. */
export function formatReference(ref: Reference): string {
  return formatRepository(ref) + suffix(ref);
}

/** Docker's short repository name: `node`, `alice/app`; repositories elsewhere keep their registry. */
export function familiarRepository(ref: Reference): string {
  if (!isDockerHub(ref.registry)) return formatRepository(ref);
  if (ref.repository.startsWith(OFFICIAL_PREFIX)) {
    const remainder = ref.repository.slice(OFFICIAL_PREFIX.length);
    // "library/a/b" stays as it is, as in docker's familiarizeName.
    if (!remainder.includes('/')) return remainder;
  }
  return ref.repository;
}

/** Docker's short form of a whole reference, e.g. `node:latest`, `alice/app:v1`, `ghcr.io/a/b:v1`. */
export function familiarName(ref: Reference): string {
  return familiarRepository(ref) + suffix(ref);
}
