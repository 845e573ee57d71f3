import { verifyLogin } from '../auth/verify-login.js';
import { normalizeRegistry } from '../ref/registry.js';
import { chosenStoreKind, openWritableStore } from '../credentials/store-select.js';
import type { StoreKind } from '../credentials/types.js';
import type { Credential } from '../credentials/types.js';
import { RegctlError } from '../errors.js';
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
  /** Print the result as one JSON document ({@link LoginResult}) instead of `Login Succeeded`. */
  json?: boolean;
}

/** What login did (the `--json` document): never the password or token. */
export interface LoginResult {
  registry: string;
  username: string;
  /** The store kind and, in words, where in it. */
  store: StoreKind;
  where: string;
  /** True when a refresh (identity) token was stored instead of the password. */
  identityToken: boolean;
  /** False when the registry asks for no credentials, so they could not be checked. */
  verified: boolean;
}

/** Reads all of stdin as the password: one trailing newline is dropped, as docker does. */
async function readPasswordStdin(io: CommandIo): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
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
 * `regctl login`: checks the credentials against the registry, then stores them (or the
 * refresh token the registry issued) in the chosen store. Nothing is stored when anything fails.
 */
export async function login(session: Session, opts: LoginOptions, io: CommandIo, prompt?: Prompt): Promise<LoginResult> {
  const registry = normalizeRegistry(opts.server ?? 'docker.io');
  if (!registry) throw new RegctlError('usage', `invalid registry "${opts.server ?? ''}"`);
  const warn = session.options.warn ?? ((line: string) => io.err(`WARNING: ${line}`));
  if (opts.password !== undefined)
    warn('using --password on the command line is insecure: it may land in your shell history and be visible to other users; use --password-stdin');
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
  const verified = await verifyLogin(session.transport(), registry, { username, password });
  if (verified.unchecked) warn(`${registry} does not ask for credentials, so they could not be checked`);
  const cred: Credential = verified.identityToken ? { username, identityToken: verified.identityToken } : { username, password };
  await store.put(registry, cred);
  if (store.warning) warn(store.warning);
  const result: LoginResult = {
    registry,
    username,
    store: kind,
    where: store.where,
    identityToken: !!verified.identityToken,
    verified: !verified.unchecked,
  };
  io.out(opts.json ? JSON.stringify(result, null, 2) : 'Login Succeeded');
  io.err(`${verified.identityToken ? 'Identity token' : 'Credentials'} for ${registry} stored in ${store.where}`);
  return result;
}
