import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStore, credentialsFile } from '../../src/credentials/file-store.js';
import { KeychainStore, type KeyringEntry } from '../../src/credentials/keychain-store.js';
import { chosenStoreKind } from '../../src/credentials/store-select.js';
import { decodeStoredSecret, encodeStoredSecret } from '../../src/credentials/stored-secret.js';
import { dockerServerKey, normalizeRegistry } from '../../src/ref/registry.js';
import { RegctlError } from '../../src/errors.js';

test('server keys: every form of a registry maps to one keychain account and one docker key', () => {
  for (const s of ['docker.io', 'index.docker.io', 'registry-1.docker.io', 'https://index.docker.io/v1/', 'HTTPS://Index.Docker.IO/v1/']) {
    assert.equal(KeychainStore.account(s), 'docker.io', s);
    assert.equal(dockerServerKey(s), 'https://index.docker.io/v1/', s);
  }
  for (const s of ['localhost:5000', 'http://localhost:5000', 'https://localhost:5000/', 'localhost:5000/v1/', 'https://localhost:5000/v2/']) {
    assert.equal(KeychainStore.account(s), 'localhost:5000', s);
    assert.equal(dockerServerKey(s), 'localhost:5000', s);
  }
  assert.equal(normalizeRegistry('https://ghcr.io:443/'), 'ghcr.io');
});

test('stored secret JSON keeps the username beside a password or an identity token', () => {
  assert.equal(encodeStoredSecret({ username: 'alice', password: 'pw' }), '{"username":"alice","secret":"pw","kind":"password"}');
  assert.deepEqual(decodeStoredSecret(encodeStoredSecret({ username: 'alice', password: 'pw' })), { username: 'alice', password: 'pw' });
  assert.deepEqual(decodeStoredSecret(encodeStoredSecret({ username: 'alice', password: 'pw', identityToken: 'rt' })), {
    username: 'alice',
    identityToken: 'rt',
  });
  assert.equal(decodeStoredSecret('plain password someone else stored'), undefined);
  assert.equal(decodeStoredSecret('{"secret":""}'), undefined);
});

test('file store: 0600 file in a 0700 directory, round trip, delete removes the empty file', async () => {
  const root = await mkdtemp(join(tmpdir(), 'regctl-filestore-'));
  try {
    const store = new FileStore(credentialsFile(join(root, 'cfg')));
    assert.equal(await store.get('localhost:5000'), undefined);
    assert.equal(await store.delete('localhost:5000'), false);
    await store.put('https://localhost:5000/', { username: 'alice', password: 'pw1' });
    await store.put('docker.io', { username: 'bob', identityToken: 'rt' });
    assert.equal((await stat(store.file)).mode & 0o777, 0o600);
    assert.equal((await stat(join(root, 'cfg'))).mode & 0o777, 0o700);
    assert.deepEqual(await store.get('localhost:5000'), { username: 'alice', password: 'pw1' });
    assert.deepEqual(await store.get('registry-1.docker.io'), { username: 'bob', identityToken: 'rt' });
    assert.deepEqual(Object.keys(JSON.parse(await readFile(store.file, 'utf8')).registries), ['localhost:5000', 'docker.io']);
    assert.equal(await store.delete('localhost:5000'), true);
    assert.equal(await store.get('localhost:5000'), undefined);
    assert.equal(await store.delete('docker.io'), true);
    await assert.rejects(stat(store.file), /ENOENT/);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('file store: a corrupt file is a usage error that quotes nothing from it', async () => {
  const root = await mkdtemp(join(tmpdir(), 'regctl-filestore-'));
  try {
    const file = join(root, 'credentials.json');
    await writeFile(file, '{"registries": {"x": {"secret": "hunter2"', { mode: 0o600 });
    await assert.rejects(new FileStore(file).get('x'), (err: unknown) => {
      assert.ok(err instanceof RegctlError && err.kind === 'usage');
      assert.doesNotMatch((err as Error).message, /hunter2/);
      return true;
    });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

function memoryKeyring(fail?: Error): { factory: (s: string, a: string) => Promise<KeyringEntry>; items: Map<string, string> } {
  const items = new Map<string, string>();
  return {
    items,
    factory: async (service, account) => {
      if (fail) throw fail;
      const key = `${service}/${account}`;
      return {
        getPassword: async () => items.get(key) ?? null,
        setPassword: async (p) => void items.set(key, p),
        deleteCredential: async () => items.delete(key),
      };
    },
  };
}

test('keychain store: one item per normalized registry under service "regctl"', async () => {
  const kr = memoryKeyring();
  const store = new KeychainStore({ entryFactory: kr.factory });
  await store.put('https://index.docker.io/v1/', { username: 'alice', password: 'pw' });
  assert.deepEqual([...kr.items.keys()], ['regctl/docker.io']);
  assert.deepEqual(await store.get('docker.io'), { username: 'alice', password: 'pw' });
  await store.probe();
  assert.equal(await store.delete('registry-1.docker.io'), true);
  assert.equal(await store.get('docker.io'), undefined);
  assert.equal(await store.delete('docker.io'), false);
});

test('keychain store: unreachable keychain reads as empty (said under --debug); writes name the alternatives', async () => {
  const kr = memoryKeyring(new Error('Platform failure: DBus error: Using X11 for dbus-daemon autolaunch was disabled at compile time'));
  const debug: string[] = [];
  const store = new KeychainStore({ entryFactory: kr.factory, debug: (l) => debug.push(l) });
  assert.equal(await store.get('localhost:5000'), undefined);
  assert.match(debug.join('\n'), /no D-Bus session/);
  for (const p of [store.put('localhost:5000', { username: 'a', password: 'secret-pw' }), store.probe()]) {
    await assert.rejects(p, (err: unknown) => {
      assert.ok(err instanceof RegctlError);
      const m = (err as Error).message;
      for (const want of [/--store file/, /--store docker/, /REGCTL_USERNAME/, /Nothing was stored/]) assert.match(m, want);
      assert.doesNotMatch(m, /secret-pw/);
      return true;
    });
  }
});

test('store choice: flag, then per-registry config, then global config, then keychain', () => {
  assert.equal(chosenStoreKind(undefined, {}, 'docker.io'), 'keychain');
  assert.equal(chosenStoreKind(undefined, { credentialStore: 'file' }, 'docker.io'), 'file');
  const cfg = { credentialStore: 'file' as const, registries: { 'registry-1.docker.io': { credentialStore: 'docker' as const } } };
  assert.equal(chosenStoreKind(undefined, cfg, 'docker.io'), 'docker');
  assert.equal(chosenStoreKind(undefined, cfg, 'localhost:5000'), 'file');
  assert.equal(chosenStoreKind('keychain', cfg, 'docker.io'), 'keychain');
});

test('fetchToken with offline asks for a refresh token on GET (offline_token) and POST (access_type) and returns it', async () => {
  const { fetchToken } = await import('../../src/auth/token-fetch.js');
  const { Readable } = await import('node:stream');
  const seen: Array<{ method: string; url: string; body: string }> = [];
  const transport = {
    allowsPlainHttp: () => true,
    baseUrl: async (h: string) => `http://${h}`,
    close: async () => undefined,
    request: async (req: { method: string; url: string; body?: unknown }) => {
      seen.push({ method: req.method, url: req.url, body: String(req.body ?? '') });
      const getAllowed = !req.url.includes('post-only');
      const status = req.method === 'GET' && !getAllowed ? 405 : 200;
      const body = status === 200 ? JSON.stringify({ token: 't', refresh_token: 'r-1' }) : '';
      return { status, headers: {}, url: req.url, body: Readable.from([Buffer.from(body)]) };
    },
  };
  const base = { registry: 'reg', service: 'svc', scopes: [], credential: { username: 'u', password: 'p' }, clientId: 'regctl', offline: true };
  const got = await fetchToken(transport, { ...base, realm: 'http://auth.local/token' });
  assert.deepEqual({ token: got.token, refreshToken: got.refreshToken }, { token: 't', refreshToken: 'r-1' });
  assert.match(seen[0]!.url, /offline_token=true/);
  const post = await fetchToken(transport, { ...base, realm: 'http://auth.local/post-only' });
  assert.equal(post.refreshToken, 'r-1');
  assert.match(seen.at(-1)!.body, /access_type=offline/);
  assert.equal((await fetchToken(transport, { ...base, offline: false, realm: 'http://auth.local/token' })).refreshToken, undefined);
});
