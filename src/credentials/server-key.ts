/** The key `docker login` writes for Docker Hub. */
export const DOCKER_HUB_KEY = 'https://index.docker.io/v1/';

const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/**
 * The registry host a Docker config key or server name stands for, the way docker's
 * ConvertToHostname does it: scheme and path dropped, lower-cased, Docker Hub aliases → "docker.io".
 */
export function credentialHost(server: string): string {
  let s = server.trim().toLowerCase();
  s = s.replace(/^[a-z][a-z0-9+.-]*:\/\//, '');
  const slash = s.indexOf('/');
  if (slash >= 0) s = s.slice(0, slash);
  const bare = s.replace(/:443$/, '');
  return DOCKER_HUB_ALIASES.has(bare) ? 'docker.io' : bare;
}

/** The key docker itself uses for a registry: "https://index.docker.io/v1/" for Docker Hub, else the host. */
export function dockerServerKey(registry: string): string {
  const host = credentialHost(registry);
  return host === 'docker.io' ? DOCKER_HUB_KEY : host;
}
