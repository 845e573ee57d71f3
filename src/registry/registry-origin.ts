import { RegctlError } from '../errors.js';

/** True when `url` is on `registryUrl`'s origin: same host and port, and the same scheme or an http→https upgrade. */
export function isRegistryOrigin(url: URL, registryUrl: URL): boolean {
  if (url.host !== registryUrl.host) return false;
  return url.protocol === registryUrl.protocol || (registryUrl.protocol === 'http:' && url.protocol === 'https:');
}

/**
 * Resolves a URL the registry chose (a `Link` page, an upload `Location`) against the URL that answered,
 * and refuses it (exit 1) unless it is on the registry's own origin (SPEC §5): such a URL would get the
 * registry's credentials, so another host — or plain HTTP where the registry spoke HTTPS — is never
 * followed, as skopeo does for `Link`.
 */
export function registryOriginUrl(value: string, answeredBy: string, registryUrl: string, registry: string, what: string): string {
  let url: URL;
  try {
    url = new URL(value, answeredBy);
  } catch {
    throw new RegctlError('failed', `registry ${registry} sent ${what} that is not a valid URL`);
  }
  const own = new URL(registryUrl);
  if (isRegistryOrigin(url, own)) return url.toString();
  const where = url.host === own.host ? `${url.protocol}//${url.host}` : `another host (${url.host})`;
  throw new RegctlError('failed', `registry ${registry} sent ${what} pointing at ${where}; refused: regctl follows it only on the registry's own host`);
}
