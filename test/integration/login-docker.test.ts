import assert from 'node:assert/strict';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../support/cli.js';
import { requireBinary, startKeyring, type PrivateKeyring } from '../support/keyring.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { run } from '../support/tools.js';
import { assertNoSecret, filesContaining, freshHome, PASSWORD, pushPrivate, USER } from './login-helpers.js';

let keyring: PrivateKeyring;
let basic: RunningRegistry;
let token: RunningRegistry;
const cleanups: Array<() => void> = [];
const agents: Array<() => Promise<unknown>> = [];

before(async () => {
  [keyring, basic, token] = await Promise.all([startKeyring(), startRegistry({ mode: 'basic' }), startRegistry({ mode: 'token' })]);
  await Promise.all([pushPrivate(basic, 'private/app:v1'), pushPrivate(token, 'private/app:v1')]);
});

after(async () => {
  for (const stop of agents) await stop();
  await Promise.all([keyring?.stop(), basic?.stop(), token?.stop()]);
  for (const c of cleanups) c();
});

const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** Runs a docker-credential helper the way docker does, with `env` on top of ours. */
async function helper(name: string, op: string, input: string, env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string }> {
  const r = await run(requireBinary(`docker-credential-${name}`), [op], { env: { ...process.env, ...env }, input });
  return { code: r.code, stdout: r.stdout + r.stderr };
}

async function pull(reg: RunningRegistry, env: NodeJS.ProcessEnv): Promise<{ code: number; stderr: string }> {
  return runCli(['pull', `${reg.host}/private/app:v1`], { env });
}

describe('Docker config interop', () => {
  it('reads "auths" entries (no keychain, no env credentials)', async () => {
    const h = await freshHome(cleanups);
    await writeFile(join(h.dockerDir, 'config.json'), JSON.stringify({ auths: { [`http://${basic.host}`]: { auth: b64(`${USER}:${PASSWORD}`) } } }));
    const r = await pull(basic, h.env);
    assert.equal(r.code, 0, r.stderr);
    const anon = await pull(basic, { ...(await freshHome(cleanups)).env });
    assert.equal(anon.code, 4, 'without the entry the private pull is refused');
  });

  it('reads credsStore through docker-credential-secretservice', async () => {
    const h = await freshHome(cleanups);
    const env = { ...h.env, ...keyring.env };
    const stored = await helper('secretservice', 'store', JSON.stringify({ ServerURL: token.host, Username: USER, Secret: PASSWORD }), keyring.env);
    assert.equal(stored.code, 0, stored.stdout);
    try {
      await writeFile(join(h.dockerDir, 'config.json'), JSON.stringify({ credsStore: 'secretservice' }));
      const r = await pull(token, env);
      assert.equal(r.code, 0, r.stderr);
    } finally {
      await helper('secretservice', 'erase', token.host, keyring.env);
    }
  });

  it('reads credHelpers through docker-credential-pass (temporary GPG home)', async () => {
    const h = await freshHome(cleanups);
    const gnupg = join(h.home, 'gnupg');
    await mkdir(gnupg, { mode: 0o700 });
    const passEnv = { HOME: h.home, GNUPGHOME: gnupg, PASSWORD_STORE_DIR: join(h.home, '.password-store') };
    agents.push(() => run(requireBinary('gpgconf'), ['--homedir', gnupg, '--kill', 'gpg-agent'], { env: { ...process.env, ...passEnv } }));
    const gen = await run(
      requireBinary('gpg'),
      ['--batch', '--pinentry-mode', 'loopback', '--passphrase', '', '--quick-gen-key', 'regctl test <test@regctl.invalid>', 'default', 'default', 'never'],
      { env: { ...process.env, ...passEnv } },
    );
    assert.equal(gen.code, 0, gen.stderr);
    const init = await run(requireBinary('pass'), ['init', 'test@regctl.invalid'], { env: { ...process.env, ...passEnv } });
    assert.equal(init.code, 0, init.stderr);
    const stored = await helper('pass', 'store', JSON.stringify({ ServerURL: basic.host, Username: USER, Secret: PASSWORD }), passEnv);
    assert.equal(stored.code, 0, stored.stdout);
    await writeFile(join(h.dockerDir, 'config.json'), JSON.stringify({ credsStore: 'regctl-test-not-installed', credHelpers: { [basic.host]: 'pass' } }));
    const r = await pull(basic, { ...h.env, ...passEnv });
    assert.equal(r.code, 0, r.stderr);
  });

  it('--store docker writes through the credsStore helper, docker reads it back, logout --store docker erases it', async () => {
    const h = await freshHome(cleanups);
    const env = { ...h.env, ...keyring.env };
    const config = JSON.stringify({ credsStore: 'secretservice' });
    await writeFile(join(h.dockerDir, 'config.json'), config);
    const r = await runCli(['login', '--store', 'docker', basic.host, '-u', USER, '--password-stdin'], { env, input: PASSWORD });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'Login Succeeded\n');
    assert.match(r.stderr, /docker-credential-secretservice/);
    const got = await helper('secretservice', 'get', basic.host, keyring.env);
    assert.equal(got.code, 0, got.stdout);
    assert.deepEqual(JSON.parse(got.stdout), { ServerURL: basic.host, Username: USER, Secret: PASSWORD });
    assert.equal(await readFile(join(h.dockerDir, 'config.json'), 'utf8'), config, 'config.json is left alone');
    assert.equal((await pull(basic, env)).code, 0);

    const out = await runCli(['logout', '--store', 'docker', basic.host], { env });
    assert.equal(out.code, 0, out.stderr);
    assert.match((await helper('secretservice', 'get', basic.host, keyring.env)).stdout, /credentials not found/);
  });

  it('--store docker stores the identity token as user "<token>" for a token server that issues one', async () => {
    const h = await freshHome(cleanups);
    const env = { ...h.env, ...keyring.env };
    await writeFile(join(h.dockerDir, 'config.json'), JSON.stringify({ credHelpers: { [token.host]: 'secretservice' } }));
    const r = await runCli(['login', '--store', 'docker', token.host, '-u', USER, '--password-stdin'], { env, input: PASSWORD });
    assert.equal(r.code, 0, r.stderr);
    try {
      const got = JSON.parse((await helper('secretservice', 'get', token.host, keyring.env)).stdout) as { Username: string; Secret: string };
      assert.equal(got.Username, '<token>');
      assert.notEqual(got.Secret, PASSWORD);
      assert.equal((await pull(token, env)).code, 0);
    } finally {
      await helper('secretservice', 'erase', token.host, keyring.env);
    }
  });

  it('--store docker without a helper in config.json is refused and writes nothing', async () => {
    const h = await freshHome(cleanups);
    const config = JSON.stringify({ auths: {} });
    await writeFile(join(h.dockerDir, 'config.json'), config);
    const r = await runCli(['login', '--store', 'docker', basic.host, '-u', USER, '--password-stdin'], { env: { ...h.env, ...keyring.env }, input: PASSWORD });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /credsStore/);
    assert.equal(await readFile(join(h.dockerDir, 'config.json'), 'utf8'), config);
  });
});

describe('the file store', () => {
  it('--store file writes a 0600 file (0700 dir) with a warning; pulls work without a keychain; logout removes it', async () => {
    const h = await freshHome(cleanups);
    const r = await runCli(['login', '--store', 'file', basic.host, '-u', USER, '--password-stdin'], { env: h.env, input: PASSWORD });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /WARNING: .*unencrypted/);
    assertNoSecret(r.stdout + r.stderr);
    const file = join(h.configDir, 'credentials.json');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal((await stat(h.configDir)).mode & 0o777, 0o700);
    assert.deepEqual(await filesContaining([h.home], PASSWORD), [file], 'the password is only in the chosen store');
    assert.equal((await pull(basic, h.env)).code, 0);

    const out = await runCli(['logout', basic.host], { env: h.env });
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout, `Logged out of ${basic.host}\n`);
    await assert.rejects(stat(file), /ENOENT/);
  });

  it('"credentialStore": "file" in the config makes it the default', async () => {
    const h = await freshHome(cleanups);
    await mkdir(h.configDir, { recursive: true });
    await writeFile(join(h.configDir, 'config.json'), JSON.stringify({ credentialStore: 'file' }));
    const r = await runCli(['login', token.host, '-u', USER, '--password-stdin'], { env: h.env, input: PASSWORD });
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(await readFile(join(h.configDir, 'credentials.json'), 'utf8')) as { registries: Record<string, { kind: string }> };
    assert.equal(doc.registries[token.host]?.kind, 'identity-token');
    assert.equal((await pull(token, h.env)).code, 0);
  });
});
