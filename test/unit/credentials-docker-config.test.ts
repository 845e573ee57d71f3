import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerConfigStore, credentialHelperFor, dockerConfigFile } from '../../src/credentials/docker-config.js';
import { dockerServerKey, normalizeRegistry } from '../../src/ref/registry.js';
import { EnvStore } from '../../src/credentials/env-store.js';
import { createCredentialFunction, staticStore } from '../../src/credentials/chain.js';
import { RegctlError } from '../../src/errors.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

test('normalizeRegistry reads config keys the way docker does', () => {
  const table: Array<[string, string]> = [
    ['https://index.docker.io/v1/', 'docker.io'],
    ['index.docker.io', 'docker.io'],
    ['registry-1.docker.io', 'docker.io'],
    ['docker.io', 'docker.io'],
    ['https://registry.example.com', 'registry.example.com'],
    ['http://registry.example.com', 'registry.example.com'],
    ['registry.example.com', 'registry.example.com'],
    ['registry.example.com/v1/', 'registry.example.com'],
    ['https://registry.example.com/v1/', 'registry.example.com'],
    ['https://Registry.Example.com:5000/v2/', 'registry.example.com:5000'],
    ['localhost:5000', 'localhost:5000'],
    ['https://registry.example.com:443', 'registry.example.com'],
  ];
  for (const [input, want] of table) assert.equal(normalizeRegistry(input), want, input);
  assert.equal(dockerServerKey('docker.io'), 'https://index.docker.io/v1/');
  assert.equal(dockerServerKey('registry-1.docker.io'), 'https://index.docker.io/v1/');
  assert.equal(dockerServerKey('localhost:5000'), 'localhost:5000');
});

test('dockerConfigFile honours DOCKER_CONFIG', () => {
  assert.equal(dockerConfigFile({ env: { DOCKER_CONFIG: '/x/d' }, home: '/h' }), '/x/d/config.json');
  assert.equal(dockerConfigFile({ env: {}, home: '/h' }), '/h/.docker/config.json');
});

async function withConfig(content: string, fn: (file: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'regctl-dc-'));
  try {
    const file = join(dir, 'config.json');
    await writeFile(file, content);
    await fn(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const config = JSON.stringify({
  auths: {
    'https://index.docker.io/v1/': { auth: b64('hubuser:hub:pass') },
    'https://registry.example.com/v1/': { auth: b64('alice:pw1') },
    'other.example:5000': { username: 'bob', password: 'pw2' },
    'tok.example': { auth: b64('<token>:'), identitytoken: 'refresh-123' },
    'empty.example': {},
    'http://plain.example': { auth: b64('carol:pw3') },
  },
  credHelpers: { 'ecr.example': 'ecr-login' },
  credsStore: 'secretservice',
  HttpHeaders: { 'X-Meta': '1' },
});

test('docker config auths: lookups by registry host', async () => {
  await withConfig(config, async (file) => {
    const store = new DockerConfigStore({ file });
    const table: Array<[string, object | undefined]> = [
      ['docker.io', { username: 'hubuser', password: 'hub:pass' }],
      ['registry-1.docker.io', { username: 'hubuser', password: 'hub:pass' }],
      ['registry.example.com', { username: 'alice', password: 'pw1' }],
      ['other.example:5000', { username: 'bob', password: 'pw2' }],
      ['other.example', undefined],
      ['tok.example', { username: '<token>', identityToken: 'refresh-123' }],
      ['empty.example', undefined],
      ['plain.example', { username: 'carol', password: 'pw3' }],
      ['unknown.example', undefined],
    ];
    for (const [server, want] of table) assert.deepEqual(await store.get(server), want, server);
    const cfg = await store.config();
    assert.ok(cfg);
    assert.equal(credentialHelperFor(cfg, 'ecr.example'), 'ecr-login');
    assert.equal(credentialHelperFor(cfg, 'docker.io'), 'secretservice');
  });
});

test('docker config: a missing file means no credentials', async () => {
  const store = new DockerConfigStore({ file: join(tmpdir(), 'regctl-nonexistent', 'config.json') });
  assert.equal(await store.get('docker.io'), undefined);
});

test('docker config: damaged files give one line naming the file and no secret', async () => {
  const cases: Array<[string, RegExp]> = [
    ['{"auths": {"x": {"auth": "c2VjcmV0"}', /is not valid JSON$/],
    ['{"auths": {"x": {"auth": 42}}}', /is invalid at auths\.x\.auth/],
    ['{"auths": []}', /is invalid at auths/],
    [JSON.stringify({ auths: { x: { auth: b64('nocolonsecret') } } }), /invalid "auth" value for x$/],
  ];
  for (const [content, re] of cases) {
    await withConfig(content, async (file) => {
      await assert.rejects(new DockerConfigStore({ file }).get('x'), (err: unknown) => {
        assert.ok(err instanceof RegctlError);
        assert.equal(err.kind, 'usage');
        assert.ok(err.message.includes(file), err.message);
        assert.match(err.message, re);
        assert.ok(!err.message.includes('secret') && !err.message.includes('c2VjcmV0'), err.message);
        assert.ok(!err.message.includes('\n'));
        return true;
      });
    });
  }
});

test('env store and chain: first non-empty hit wins', async () => {
  const env = new EnvStore({ REGCTL_USERNAME: 'ci', REGCTL_PASSWORD: 'cipw', REGCTL_REGISTRY: 'r' });
  assert.deepEqual(await env.get('r'), { username: 'ci', password: 'cipw' });
  assert.equal(await new EnvStore({ REGCTL_USERNAME: 'ci' }).get('x'), undefined);

  const calls: string[] = [];
  const spy = (name: string, cred?: object) => ({
    get: async (s: string) => {
      calls.push(`${name}:${s}`);
      return cred;
    },
  });
  const fn = createCredentialFunction([
    spy('flags'),
    staticStore(undefined),
    spy('env', {}),
    spy('keychain', { username: 'k', password: 'kp' }),
    spy('docker', { username: 'd', password: 'dp' }),
  ]);
  assert.deepEqual(await fn('r.example'), { username: 'k', password: 'kp' });
  assert.deepEqual(calls, ['flags:r.example', 'env:r.example', 'keychain:r.example']);
  assert.equal(await createCredentialFunction([])('r'), undefined);
  assert.deepEqual(await createCredentialFunction([staticStore({ username: 'f', password: 'fp' }), env])('r'), { username: 'f', password: 'fp' });
});
