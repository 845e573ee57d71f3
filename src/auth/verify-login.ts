import { readStream } from '../content/read-all.js';
import { isEmptyCredential, type Credential, type CredentialFunction } from '../credentials/types.js';
import { RegctlError, isRegctlError } from '../errors.js';
import { header, type Transport } from '../http/transport.js';
import { apiEndpoint } from '../ref/registry.js';
import { discard } from '../util/discard.js';
import { findChallenge, parseChallenges } from './challenge.js';
import { AuthClient } from './client.js';
import { assertRealmAllowed, fetchToken } from './token-fetch.js';

/** What a registry said to a credential check. */
export interface VerifiedLogin {
  /** A refresh token the token server issued; to be stored instead of the password. */
  identityToken?: string;
  /** The registry asked for no credentials, so they could not be checked. */
  unchecked?: boolean;
}

function rejected(registry: string, cause?: unknown): RegctlError {
  return new RegctlError('auth', `login to ${registry} failed: the registry rejected the username or password; nothing was stored`, cause ? { cause } : {});
}

/**
 * Checks `credential` against `registry` before anything is stored, as docker login and oras-go's
 * `Registry.Login` do: GET /v2/ for the challenge (SPEC §5), then for Bearer a token request asking
 * for a refresh token (`offline`) and GET /v2/ with the token, for Basic a GET /v2/ through an
 * AuthClient that knows only this credential. A challenge from a host /v2/ was redirected to is not
 * the registry's, and gets nothing. Wrong credentials are an auth error (exit 4).
 */
export async function verifyLogin(transport: Transport, registry: string, credential: Credential): Promise<VerifiedLogin> {
  const base = await transport.baseUrl(apiEndpoint(registry));
  const ping = `${new URL(base).origin}/v2/`;
  const first = await transport.request({ method: 'GET', url: ping });
  discard(first);
  if (first.status >= 200 && first.status < 300) return { unchecked: true };
  if (first.status !== 401) throw new RegctlError('failed', `${registry} answered HTTP ${first.status} to GET /v2/; is it a registry?`);
  if (new URL(first.url).origin !== new URL(ping).origin) {
    throw new RegctlError(
      'auth',
      `login to ${registry} failed: GET /v2/ was redirected to ${new URL(first.url).host}, which asked for authentication; regctl sends no credentials there`,
    );
  }
  const challenges = parseChallenges(header(first, 'www-authenticate') ?? '');
  const bearer = findChallenge(challenges, 'bearer');
  const realm = bearer?.params['realm'];
  if (realm) {
    // A realm regctl refuses is the registry's fault, not the password's: said as it is.
    assertRealmAllowed(realm, registry, (h) => transport.allowsPlainHttp(h), true);
    let token;
    try {
      token = await fetchToken(transport, { registry, realm, service: bearer.params['service'], scopes: [], credential, clientId: 'regctl', offline: true });
    } catch (err) {
      throw isRegctlError(err) && err.kind === 'auth' ? rejected(registry, err) : err;
    }
    const check = await transport.request({ method: 'GET', url: ping, headers: { authorization: `Bearer ${token.token}` } });
    discard(check);
    if (check.status === 401 || check.status === 403) throw rejected(registry);
    return token.refreshToken ? { identityToken: token.refreshToken } : {};
  }
  if (!findChallenge(challenges, 'basic'))
    throw new RegctlError('auth', `login to ${registry} failed: the registry asks for an authentication scheme regctl does not support`);
  const only: CredentialFunction = async () => (isEmptyCredential(credential) ? undefined : { ...credential });
  const auth = new AuthClient({ transport, credentials: only });
  try {
    const res = await auth.request({ method: 'GET', url: ping });
    await readStream(res.body, 64 * 1024, 'GET /v2/').catch(() => undefined);
  } catch (err) {
    throw isRegctlError(err) && err.kind === 'auth' ? rejected(registry, err) : err;
  }
  return {};
}
