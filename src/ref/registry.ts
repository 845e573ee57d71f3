import { RegctlError } from '../errors.js';

/** Docker Hub's registry name: what references, cache names and credentials use (SPEC §1). */
export const DOCKER_HUB = 'docker.io';

/** The host that serves Docker Hub's registry API (SPEC §1). */
const DOCKER_HUB_ENDPOINT = 'registry-1.docker.io';

/** The key `docker login` writes for Docker Hub in config.json and credential helpers. */
const DOCKER_HUB_SERVER_KEY = 'https://index.docker.io/v1/';

// The names a user may write for Docker Hub (SPEC §1); compared without regard to case.
const DOCKER_HUB_ALIASES = new Set([DOCKER_HUB, 'index.docker.io', DOCKER_HUB_ENDPOINT]);

// distribution/reference's domain grammar (regexp.go): DNS names or a bracketed IPv6 address, then a port.
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const HOST = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`);

/** True when `value` is a registry host as docker's grammar writes it: `host[:port]` or `[v6addr][:port]`, the port 1–65535. */
export function isRegistryHost(value: string): boolean {
  return registryHostProblem(value) === undefined;
}

/**
 * Why `value` is not a registry host (`host[:port]`), or undefined when it is one. docker's grammar
 * takes any digits as a port; one outside 1–65535 can name no server, so it is refused here, before
 * it reaches a URL parser.
 */
export function registryHostProblem(value: string): string | undefined {
  if (!HOST.test(value)) return 'invalid reference format';
  const port = /:([0-9]+)$/.exec(value)?.[1];
  if (port !== undefined && (port.length > 5 || Number(port) < 1 || Number(port) > 65535)) return `port ${port} is out of range (1-65535)`;
  return undefined;
}

/** True when `host` is one of Docker Hub's names (docker.io, index.docker.io, registry-1.docker.io), in any case. */
export function isDockerHub(host: string): boolean {
  return DOCKER_HUB_ALIASES.has(host.toLowerCase());
}

/**
 * The registry a server name stands for, the way docker's ConvertToHostname reads config keys:
 * scheme and path dropped (`https://index.docker.io/v1/` → `index.docker.io`), lower-cased, the
 * default HTTPS port dropped, and Docker Hub's names made `docker.io`. Credentials, keychain
 * accounts and REGCTL_REGISTRY are keyed by it.
 */
export function normalizeRegistry(server: string): string {
  let s = server.trim().toLowerCase();
  s = s.replace(/^[a-z][a-z0-9+.-]*:\/\//, '');
  const slash = s.indexOf('/');
  if (slash >= 0) s = s.slice(0, slash);
  const bare = s.replace(/:443$/, '');
  return isDockerHub(bare) ? DOCKER_HUB : bare;
}

/** The host that serves a registry's API: `registry-1.docker.io` for Docker Hub, otherwise the registry itself. */
export function apiEndpoint(registry: string): string {
  return isDockerHub(registry) ? DOCKER_HUB_ENDPOINT : registry;
}

/** The key docker itself uses for a registry: `https://index.docker.io/v1/` for Docker Hub, else the normalized host. */
export function dockerServerKey(registry: string): string {
  const host = normalizeRegistry(registry);
  return host === DOCKER_HUB ? DOCKER_HUB_SERVER_KEY : host;
}

/**
 * Parses a registry named on its own (`catalog REGISTRY`): `host[:port]`, optionally written as a URL
 * (`https://host/`, as `docker login` stores it); Docker Hub's names become `docker.io`, any other
 * host is kept as written (as in a reference). A repository path is a usage error (exit 2).
 */
export function parseRegistryName(input: string): string {
  const host = input
    .trim()
    .replace(/^https?:\/\//i, '')
    .replace(/\/(v2\/?)?$/, '');
  if (host.includes('/')) {
    throw new RegctlError('usage', `invalid registry "${input}": give a registry host such as localhost:5000 or ghcr.io, not a repository`);
  }
  const problem = registryHostProblem(host);
  if (problem === 'invalid reference format')
    throw new RegctlError('usage', `invalid registry "${input}": expected host[:port], e.g. localhost:5000 or registry.example.com`);
  if (problem) throw new RegctlError('usage', `invalid registry "${input}": ${problem}`);
  return isDockerHub(host) ? DOCKER_HUB : host;
}
