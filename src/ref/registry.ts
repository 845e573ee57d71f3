/** Docker Hub's registry name: what references, cache names and credentials use (SPEC §1). */
export const DOCKER_HUB = 'docker.io';

/** The host that serves Docker Hub's registry API (SPEC §1). */
const DOCKER_HUB_ENDPOINT = 'registry-1.docker.io';

/** The key `docker login` writes for Docker Hub in config.json and credential helpers. */
const DOCKER_HUB_SERVER_KEY = 'https://index.docker.io/v1/';

// The names a user may write for Docker Hub (SPEC §1); compared without regard to case.
const DOCKER_HUB_ALIASES = new Set([DOCKER_HUB, 'index.docker.io', DOCKER_HUB_ENDPOINT]);

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
