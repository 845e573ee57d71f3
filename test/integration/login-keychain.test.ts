import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../support/cli.js';
import { startKeyring, type PrivateKeyring } from '../support/keyring.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { assertNoSecret, filesContaining, filesUnder, freshHome, PASSWORD, pushPrivate, USER } from './login-helpers.js';

let keyring: PrivateKeyring;
let basic: RunningRegistry;
let token: RunningRegistry;
const cleanups: Array<() => void> = [];

before(async () => {
  [keyring, basic, token] = await Promise.all([startKeyring(), startRegistry({ mode: 'basic' }), startRegistry({ mode: 'token' })]);
  await Promise.all([pushPrivate(basic, 'private/app:v1'), pushPrivate(token, 'private/app:v1')]);
});

after(async () => {
  await Promise.all([keyring?.stop(), basic?.stop(), token?.stop()]);
  for (const c of cleanups) c();
});

// @napi-rs/keyring (keyring-rs) files items with the attributes service and username (our account).

/** The keychain item for `account` as `secret-tool search` shows it, or '' when there is none. */
async function keychainItem(account: string): Promise<string> {
  const r = await keyring.secretTool(['search', '--all', 'service', 'regctl', 'username', account]);
  const text = `${r.stdout}${r.stderr}`;
  return text.includes('attribute.service') ? text : '';
}

/** The item's secret as `secret-tool lookup` prints it. */
async function lookup(account: string): Promise<string> {
  const r = await keyring.secretTool(['lookup', 'service', 'regctl', 'username', account]);
  return r.code === 0 ? r.stdout : '';
}

for (const mode of ['basic', 'token'] as const) {
  describe(`login to the ${mode}-auth registry with the keychain`, () => {
    it('stores in the Secret Service, pulls a private repo, logs out, and then the pull exits 4', async () => {
      const reg = mode === 'basic' ? basic : token;
      const h = await freshHome(cleanups);
      const env = { ...h.env, ...keyring.env };
      token.token!.clearRequests();

      const r = await runCli(['--debug', 'login', reg.host, '-u', USER, '--password-stdin'], { env, input: `${PASSWORD}\n` });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'Login Succeeded\n');
      assert.match(r.stderr, new RegExp(`stored in the OS keychain \\(service "regctl", account "${reg.host.replace(/\./g, '\\.')}"\\)`));
      assertNoSecret(r.stdout + r.stderr);

      const item = await keychainItem(reg.host);
      assert.match(item, /attribute\.service = regctl/);
      const stored = JSON.parse(await lookup(reg.host)) as { username: string; secret: string; kind: string };
      assert.equal(stored.username, USER);
      if (mode === 'basic') {
        assert.deepEqual(stored, { username: USER, secret: PASSWORD, kind: 'password' });
      } else {
        // The token server issued a refresh token on request: it is stored, never the password.
        assert.equal(stored.kind, 'identity-token');
        assert.notEqual(stored.secret, PASSWORD);
        const asked = token.token!.requests.filter((q) => q.offline);
        assert.ok(asked.length > 0 && asked.every((q) => q.refreshTokenIssued), 'login asked for a refresh token');
        assertNoSecret(r.stdout + r.stderr, stored.secret);
      }
      assert.deepEqual(await filesContaining([h.home], PASSWORD), [], 'the password is in no file under HOME');

      const pull = await runCli(['pull', `${reg.host}/private/app:v1`], { env });
      assert.equal(pull.code, 0, pull.stderr);
      if (mode === 'token')
        assert.ok(
          token.token!.requests.some((q) => q.grantType === 'refresh_token' && q.status === 200),
          'the pull used the identity token',
        );

      const out = await runCli(['logout', reg.host], { env });
      assert.equal(out.code, 0, out.stderr);
      assert.equal(out.stdout, `Logged out of ${reg.host}\n`);
      assert.equal(await keychainItem(reg.host), '');

      const again = await runCli(['pull', `${reg.host}/private/app:v1`], { env: { ...env, XDG_CACHE_HOME: `${h.home}/.cache2` } });
      assert.equal(again.code, 4, again.stderr);

      const twice = await runCli(['logout', reg.host], { env });
      assert.equal(twice.code, 0, twice.stderr);
      assert.match(twice.stdout, /^Not logged in to /);
    });

    it('a wrong password exits 4 and stores nothing', async () => {
      const reg = mode === 'basic' ? basic : token;
      const h = await freshHome(cleanups);
      const r = await runCli(['login', reg.host, '-u', USER, '--password-stdin'], { env: { ...h.env, ...keyring.env }, input: 'not-the-password\n' });
      assert.equal(r.code, 4, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /rejected the username or password; nothing was stored/);
      assertNoSecret(r.stderr, 'not-the-password');
      assert.equal(await keychainItem(reg.host), '');
      assert.deepEqual(await filesUnder(h.home), []);
    });
  });
}

describe('login without a keychain', () => {
  it('outside any D-Bus session: a clear message naming the choices, non-zero exit, nothing written, registry not asked', async () => {
    const h = await freshHome(cleanups);
    await basic.clearAccessLog();
    // runCli passes no DBUS_SESSION_BUS_ADDRESS unless told to.
    const r = await runCli(['login', basic.host, '-u', USER, '--password-stdin'], { env: h.env, input: PASSWORD });
    assert.notEqual(r.code, 0);
    assert.equal(r.stdout, '');
    for (const want of [/OS keychain is not available/, /D-Bus/, /--store file/, /--store docker/, /REGCTL_USERNAME/, /Nothing was stored/])
      assert.match(r.stderr, want);
    assertNoSecret(r.stderr);
    assert.deepEqual(await filesUnder(h.home), []);
    assert.deepEqual(
      (await basic.accessLog()).filter((e) => e.path?.startsWith('/v2/')),
      [],
    );
  });

  it('-p works but warns about shell history', async () => {
    const h = await freshHome(cleanups);
    const r = await runCli(['login', basic.host, '-u', USER, '-p', PASSWORD], { env: { ...h.env, ...keyring.env } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /WARNING: .*--password.*shell history/);
    assertNoSecret(r.stdout + r.stderr);
    assert.equal((await runCli(['logout', basic.host], { env: { ...h.env, ...keyring.env } })).code, 0);
  });

  it('without a terminal and without a password it says how to give one (exit 2)', async () => {
    const h = await freshHome(cleanups);
    const r = await runCli(['login', basic.host, '-u', USER], { env: { ...h.env, ...keyring.env } });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--password-stdin/);
  });
});
