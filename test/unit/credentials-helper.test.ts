import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HelperMissingError, HelperStore } from '../../src/credentials/helper-store.js';
import { DockerConfigStore } from '../../src/credentials/docker-config.js';
import { RegctlError } from '../../src/errors.js';
import { createFakeHelper } from '../support/fake-helper.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

test('helper protocol: store, get, list, erase with docker server keys', async () => {
  const fake = await createFakeHelper('store');
  try {
    const h = new HelperStore(fake.name, { env: { PATH: fake.path } });
    assert.equal(await h.get('docker.io'), undefined);
    await h.put('docker.io', { username: 'alice', password: 's3cret' });
    await h.put('localhost:5000', { username: 'bob', identityToken: 'refresh-1' });
    assert.deepEqual(await h.list(), { 'https://index.docker.io/v1/': 'alice', 'localhost:5000': '<token>' });
    assert.deepEqual(await h.get('registry-1.docker.io'), { username: 'alice', password: 's3cret' });
    assert.deepEqual(await h.get('localhost:5000'), { identityToken: 'refresh-1' });
    const calls = await fake.calls();
    assert.deepEqual(
      calls.find((c) => c.op === 'store'),
      { op: 'store', input: JSON.stringify({ ServerURL: 'https://index.docker.io/v1/', Username: 'alice', Secret: 's3cret' }) },
    );
    assert.equal(await h.delete('docker.io'), true);
    assert.equal(await h.delete('docker.io'), false);
    assert.deepEqual(await h.list(), { 'localhost:5000': '<token>' });
  } finally {
    await fake.remove();
  }
});

test('helper get matches "https://host" and "host/v1/" keys through list', async () => {
  const fake = await createFakeHelper('store', {
    'https://registry.example.com': { Username: 'u1', Secret: 'p1' },
    'other.example.com/v1/': { Username: 'u2', Secret: 'p2' },
  });
  try {
    const h = new HelperStore(fake.name, { env: { PATH: fake.path } });
    assert.deepEqual(await h.get('registry.example.com'), { username: 'u1', password: 'p1' });
    assert.deepEqual(await h.get('other.example.com'), { username: 'u2', password: 'p2' });
    assert.equal(await h.get('third.example.com'), undefined);
  } finally {
    await fake.remove();
  }
});

test('helper answering an empty Secret means not found (docker-credential-pass)', async () => {
  const fake = await createFakeHelper('empty-secret');
  try {
    const h = new HelperStore(fake.name, { env: { PATH: fake.path } });
    assert.equal(await h.getKey('localhost:5000'), undefined);
  } finally {
    await fake.remove();
  }
});

test('helper missing: HelperMissingError naming the program', async () => {
  const h = new HelperStore('regctl-no-such-helper', { env: { PATH: '/nonexistent' } });
  await assert.rejects(h.get('localhost:5000'), (err: unknown) => {
    assert.ok(err instanceof HelperMissingError);
    assert.match((err as Error).message, /docker-credential-regctl-no-such-helper.*not installed/);
    return true;
  });
});

test('helper failing: error with its exit code and message; malformed JSON: error that quotes nothing', async () => {
  const failing = await createFakeHelper('fail');
  const malformed = await createFakeHelper('malformed');
  try {
    await assert.rejects(new HelperStore(failing.name, { env: { PATH: failing.path } }).get('localhost:5000'), (err: unknown) => {
      assert.ok(err instanceof RegctlError && !(err instanceof HelperMissingError));
      assert.match((err as Error).message, /get failed \(exit 3\): fake helper exploded/);
      return true;
    });
    await assert.rejects(new HelperStore(malformed.name, { env: { PATH: malformed.path } }).get('localhost:5000'), (err: unknown) => {
      assert.match((err as Error).message, /get returned malformed output/);
      assert.doesNotMatch((err as Error).message, /ServerURL/);
      return true;
    });
  } finally {
    await failing.remove();
    await malformed.remove();
  }
});

test('invalid helper names are refused before anything runs', () => {
  assert.throws(() => new HelperStore('../../bin/sh'), /invalid docker credential helper name/);
});

test('DockerConfigStore: credHelpers beat credsStore, a helper beats auths, auths are the fallback', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'regctl-dockercfg-'));
  const viaStore = await createFakeHelper('store', { 'https://index.docker.io/v1/': { Username: 'hub', Secret: 'hub-pw' } });
  const viaHelpers = await createFakeHelper('store', { 'ghcr.io': { Username: '<token>', Secret: 'ghcr-refresh' } });
  try {
    const file = join(dir, 'config.json');
    await writeFile(
      file,
      JSON.stringify({
        credsStore: viaStore.name,
        credHelpers: { 'ghcr.io': viaHelpers.name },
        auths: { 'quay.io': { auth: b64('q:quay-pw') }, 'https://index.docker.io/v1/': { auth: b64('stale:stale') } },
      }),
    );
    const env = { PATH: `${viaStore.dir}:${viaHelpers.path}` };
    const store = new DockerConfigStore({ file, env });
    assert.deepEqual(await store.get('docker.io'), { username: 'hub', password: 'hub-pw' });
    assert.deepEqual(await store.get('ghcr.io'), { identityToken: 'ghcr-refresh' });
    assert.deepEqual(await store.get('quay.io'), { username: 'q', password: 'quay-pw' });
    assert.equal(await store.get('nothing.example.com'), undefined);
    assert.equal((await viaHelpers.calls()).filter((c) => c.op === 'get').length, 1, 'credHelpers is asked only for its own registry');
  } finally {
    await viaStore.remove();
    await viaHelpers.remove();
    await rm(dir, { recursive: true, force: true });
  }
});

test('DockerConfigStore: a missing, failing or garbled helper warns once and falls back to auths', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'regctl-dockercfg-'));
  const failing = await createFakeHelper('fail');
  const malformed = await createFakeHelper('malformed');
  try {
    const file = join(dir, 'config.json');
    const cases: Array<[string, string, RegExp]> = [
      ['desktop-regctl-missing', '/nonexistent', /docker-credential-desktop-regctl-missing.*credsStore.*not installed/],
      [failing.name, failing.path, /get failed \(exit 3\): fake helper exploded/],
      [malformed.name, malformed.path, /malformed output/],
    ];
    for (const [name, path, want] of cases) {
      await writeFile(file, JSON.stringify({ credsStore: name, auths: { 'localhost:5000': { auth: b64('a:b') } } }));
      const warnings: string[] = [];
      const store = new DockerConfigStore({ file, env: { PATH: path }, warn: (l) => warnings.push(l) });
      assert.deepEqual(await store.get('localhost:5000'), { username: 'a', password: 'b' }, name);
      assert.equal(await store.get('localhost:6000'), undefined);
      assert.equal(warnings.length, 1, name);
      assert.match(warnings[0]!, want);
    }
  } finally {
    await failing.remove();
    await malformed.remove();
    await rm(dir, { recursive: true, force: true });
  }
});
