import { AuthClient } from '../auth/client.js';
import { findChallenge, parseChallenges } from '../auth/challenge.js';
import { fetchToken } from '../auth/token-fetch.js';
import { readStream } from '../content/read-all.js';
import { createCredentialFunction, staticStore } from '../credentials/chain.js';
import { apiEndpoint, normalizeRegistry } from '../ref/registry.js';
import { chosenStoreKind, openWritableStore } from '../credentials/store-select.js';
import type { StoreKind } from '../credentials/types.js';
import type { Credential } from '../credentials/types.js';
import { RegctlError, isRegctlError } from '../errors.js';
import { header, type TransportResponse } from '../http/transport.js';
import type { Session } from '../session.js';
import type { CommandIo } from './io.js';

/** Asks the user on the terminal; a secret answer is not echoed. */
export type Prompt = (question: string, secret: boolean) => Promise<string>;

/** What `regctl login` was given. */
export interface LoginOptions {
  /** Registry (default docker.io); "https://host/", "host" and "host/v1/" forms are accepted. */
  server?: string;
  username?: string;
  /** -p: works, with a warning about shell history. */
  password?: string;
  /** --password-stdin: the password is all of stdin (one trailing newline dropped). */
  passwordStdin?: boolean;
  /** --store; default from the config, else the keychain. */
  store?: StoreKind;
}

/** What the registry said to a credential check. */
interface Verified {
  /** A refresh token the token server issued; stored instead of the password. */
  identityToken?: string;
  /** The registry asked for no credentials, so they could not be checked. */
  unchecked?: boolean;
}

/** Lets a response body go. */
function drain(res: TransportResponse): void {
  res.body.on('error', () => undefined);
  res.body.resume();
}

function rejected(registry: string, cause?: unknown): RegctlError {
  return new RegctlError('auth', `login to ${registry} failed: the registry rejected the username or password; nothing was stored`, cause ? { cause } : {});
}

/**
 * Checks `cred` against the registry the way docker login does: GET /v2/ for the challenge, then for
 * Bearer a token request (asking for a refresh token) and GET /v2/ with the token, for Basic a GET /v2/
 * through a fresh AuthClient that knows only these credentials.
 */
export async function verifyCredentials(session: Session, registry: string, cred: Credential): Promise<Verified> {
  const transport = session.transport();
  const base = await transport.baseUrl(apiEndpoint(registry));
  const ping = `${new URL(base).origin}/v2/`;
  const first = await transport.request({ method: 'GET', url: ping });
  drain(first);
  if (first.status >= 200 && first.status < 300) return { unchecked: true };
  if (first.status !== 401) throw new RegctlError('failed', `${registry} answered HTTP ${first.status} to GET /v2/; is it a registry?`);
  // A challenge from a host /v2/ was redirected to is not the registry's: its realm gets no password.
  if (new URL(first.url).origin !== new URL(ping).origin) {
    throw new RegctlError('auth', `login to ${registry} failed: GET /v2/ was redirected to ${new URL(first.url).host}, which asked for authentication; regctl sends no credentials there`);
  }
  const challenges = parseChallenges(header(first, 'www-authenticate') ?? '');
  const bearer = findChallenge(challenges, 'bearer');
  const realm = bearer?.params['realm'];
  if (realm) {
    let token;
    try {
      token = await fetchToken(transport, { registry, realm, service: bearer.params['service'], scopes: [], credential: cred, clientId: 'regctl', offline: true });
    } catch (err) {
      throw isRegctlError(err) && err.kind === 'auth' ? rejected(registry, err) : err;
    }
    const check = await transport.request({ method: 'GET', url: ping, headers: { authorization: `Bearer ${token.token}` } });
    drain(check);
    if (check.status === 401 || check.status === 403) throw rejected(registry);
    return token.refreshToken ? { identityToken: token.refreshToken } : {};
  }
  if (!findChallenge(challenges, 'basic')) throw new RegctlError('auth', `login to ${registry} failed: the registry asks for an authentication scheme regctl does not support`);
  const auth = new AuthClient({ transport, credentials: createCredentialFunction([staticStore(cred)]) });
  try {
    const res = await auth.request({ method: 'GET', url: ping });
    await readStream(res.body, 64 * 1024, 'GET /v2/').catch(() => undefined);
  } catch (err) {
    throw isRegctlError(err) && err.kind === 'auth' ? rejected(registry, err) : err;
  }
  return {};
}

/** Reads all of stdin as the password: one trailing newline is dropped, as docker does. */
async function readPasswordStdin(io: CommandIo): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** The username and password from flags, stdin or the terminal. */
async function gather(opts: LoginOptions, io: CommandIo, prompt: Prompt | undefined, registry: string): Promise<{ username: string; password: string }> {
  if (opts.password !== undefined && opts.passwordStdin) throw new RegctlError('usage', '--password and --password-stdin cannot be used together');
  const canPrompt = prompt !== undefined && io.stdinIsTTY && !opts.passwordStdin;
  let username = opts.username;
  if (username === undefined) {
    if (opts.passwordStdin) throw new RegctlError('usage', '--password-stdin needs --username');
    if (!canPrompt) throw new RegctlError('usage', `no username given for ${registry}: use --username (stdin is not a terminal, so regctl cannot ask)`);
    username = (await prompt('Username: ', false)).trim();
  }
  if (!username) throw new RegctlError('usage', 'the username is empty');
  let password = opts.password;
  if (password === undefined && opts.passwordStdin) password = await readPasswordStdin(io);
  if (password === undefined) {
    if (!canPrompt) throw new RegctlError('usage', `no password given for ${registry}: use --password-stdin (stdin is not a terminal, so regctl cannot ask)`);
    password = await prompt('Password: ', true);
  }
  if (!password) throw new RegctlError('usage', 'the password is empty');
  return { username, password };
}

/**
 * `regctl login` (issue 5): checks the credentials against the registry, then stores them (or the
 * refresh token the registry issued) in the chosen store. Nothing is stored when anything fails.
 */
export async function login(session: Session, opts: LoginOptions, io: CommandIo, prompt?: Prompt): Promise<void> {
  const registry = normalizeRegistry(opts.server ?? 'docker.io');
  if (!registry) throw new RegctlError('usage', `invalid registry "${opts.server ?? ''}"`);
  const warn = session.options.warn ?? ((line: string) => io.err(`WARNING: ${line}`));
  if (opts.password !== undefined) warn('using --password on the command line is insecure: it may land in your shell history and be visible to other users; use --password-stdin');
  const kind = chosenStoreKind(opts.store, session.config, registry);
  const store = await openWritableStore(kind, registry, {
    config: session.config,
    configDir: session.configDir,
    env: session.env,
    ...(session.options.debug ? { debug: session.options.debug } : {}),
  });
  // Before asking for a password: a missing keychain or helper is known now.
  await store.probe();
  const { username, password } = await gather(opts, io, prompt, registry);
  const verified = await verifyCredentials(session, registry, { username, password });
  if (verified.unchecked) warn(`${registry} does not ask for credentials, so they could not be checked`);
  const cred: Credential = verified.identityToken ? { username, identityToken: verified.identityToken } : { username, password };
  await store.put(registry, cred);
  if (store.warning) warn(store.warning);
  io.out('Login Succeeded');
  io.err(`${verified.identityToken ? 'Identity token' : 'Credentials'} for ${registry} stored in ${store.where}`);
}
