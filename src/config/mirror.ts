/** A registry mirror from the config: the host to ask, and the scheme when the entry named one. */
export interface MirrorEndpoint {
  /** "host" or "host:port", lower case. */
  host: string;
  /**
   * "https" or "http" when written as docker's URL form (`http://` means plain HTTP, as docker's
   * registry-mirrors); absent for `host[:port]`, which is reached like any registry.
   */
  scheme?: 'http' | 'https';
}

/**
 * Parses one `mirrors` entry: `host[:port]`, or docker's URL form `https://host[:port]` /
 * `http://host[:port]` (a trailing `/` is allowed). Returns a reason instead when the entry has
 * another scheme, a path, a query, a fragment or user info; the reason never repeats the entry,
 * which may hold a password.
 */
export function parseMirror(entry: string): MirrorEndpoint | { error: string } {
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(entry);
  let url: URL;
  try {
    url = new URL(hasScheme ? entry : `https://${entry}`);
  } catch {
    return { error: 'must be "host[:port]" or a URL such as "https://mirror.example.com"' };
  }
  const authority = entry.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').split(/[/?#]/)[0] ?? '';
  if (url.username || url.password || authority.includes('@')) {
    return { error: 'must not hold a user name or password (log in to the mirror instead)' };
  }
  if (hasScheme && url.protocol !== 'https:' && url.protocol !== 'http:')
    return { error: `scheme ${url.protocol.slice(0, -1)} is not supported: use https:// or http://` };
  if (url.pathname !== '/' && url.pathname !== '') return { error: 'must not have a path (a mirror serves /v2/ at its root)' };
  if (url.search || entry.includes('?')) return { error: 'must not have a query' };
  if (url.hash || entry.includes('#')) return { error: 'must not have a fragment' };
  if (!url.host) return { error: 'names no host' };
  return hasScheme ? { host: url.host, scheme: url.protocol === 'http:' ? 'http' : 'https' } : { host: url.host };
}
