import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENV_UNSCOPED_WARNING, EnvStore, envRegistries } from '../../src/credentials/env-store.js';
import { ContainersAuthStore, containersAuthFiles, containersAuthKeys } from '../../src/credentials/containers-auth.js';
import { createCredentialFunction } from '../../src/credentials/chain.js';
import { RegctlError } from '../../src/errors.js';
import { createFakeHelper } from '../support/fake-helper.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const CI = { REGCTL_USERNAME: 'ci', REGCTL_PASSWORD: 'ci-secret' };

test('REGCTL_REGISTRY scopes the environment credentials, normalized the docker way', async () => {
  const table: Array<[string, string, boolean]> = [
    // [REGCTL_REGISTRY, registry asked for, applies]
    ['registry.example.com', 'registry.example.com', true],
    ['registry.example.com', 'other.example.com', false],
    ['registry.example.com', 'registry.example.com:5000', false],
    ['registry.example.com:5000', 'registry.example.com:5000', true],
    ['registry.example.com:5000', 'registry.example.com', false],
    ['registry.example.com:5000', 'registry.example.com:5001', false],
    ['https://registry.example.com/', 'registry.example.com', true],
    ['docker.io', 'docker.io', true],
    ['index.docker.io', 'docker.io', true],
    ['registry-1.docker.io', 'docker.io', true],
    ['https://index.docker.io/v1/', 'docker.io', true],
    ['docker.io', 'registry-1.docker.io', true],
    ['docker.io', 'ghcr.io', false],
    [' ghcr.io , localhost:5000 ', 'localhost:5000', true],
    [' ghcr.io , localhost:5000 ', 'ghcr.io', true],
    ['ghcr.io,localhost:5000', 'localhost', false],
    ['Registry.Example.COM', 'registry.example.com', true],
  ];
  for (const [scope, server, applies] of table) {
    const store = new EnvStore({ ...CI, REGCTL_REGISTRY: scope });
    assert.deepEqual(await store.get(server), applies ? { username: 'ci', password: 'ci-secret' } : undefined, `${scope} → ${server}`);
  }
  assert.deepEqual(envRegistries({ REGCTL_REGISTRY: 'https://index.docker.io/v1/, ,quay.io' }), ['docker.io', 'quay.io']);
});

test('without REGCTL_REGISTRY the environment credentials are ignored with one warning per store', async () => {
  const warnings: string[] = [];
  const store = new EnvStore({ ...CI }, { warn: (l) => warnings.push(l) });
  for (const server of ['a.example', 'b.example', 'a.example', 'docker.io']) assert.equal(await store.get(server), undefined);
  assert.deepEqual(warnings, [ENV_UNSCOPED_WARNING]);
  assert.match(ENV_UNSCOPED_WARNING, /REGCTL_REGISTRY/);
  assert.ok(!ENV_UNSCOPED_WARNING.includes('ci-secret'));
  // A blank REGCTL_REGISTRY is no scope; without credentials nothing is said at all.
  assert.equal(await new EnvStore({ ...CI, REGCTL_REGISTRY: ' , ' }, { warn: (l) => warnings.push(l) }).get('a.example'), undefined);
  assert.equal(warnings.length, 2);
  assert.equal(await new EnvStore({ REGCTL_REGISTRY: 'a.example' }, { warn: (l) => warnings.push(l) }).get('a.example'), undefined);
  assert.equal(await new EnvStore({}, { warn: (l) => warnings.push(l) }).get('a.example'), undefined);
  assert.equal(warnings.length, 2);
});

test('the credential chain hands the repository to every store', async () => {
  const seen: string[] = [];
  const fn = createCredentialFunction([
    {
      get: async (s, r) => {
        seen.push(`${s} ${r ?? '-'}`);
        return undefined;
      },
    },
    { get: async (s, r) => (r === 'team/app' ? { username: 'u', password: `p-${s}` } : undefined) },
  ]);
  assert.deepEqual(await fn('reg.example', 'team/app'), { username: 'u', password: 'p-reg.example' });
  assert.equal(await fn('reg.example'), undefined);
  assert.deepEqual(seen, ['reg.example team/app', 'reg.example -']);
});

test('containers auth files: the order podman reads them in', () => {
  const home = '/home/u';
  const table: Array<[NodeJS.ProcessEnv, string, string[]]> = [
    [{ REGISTRY_AUTH_FILE: '/ci/auth.json', XDG_RUNTIME_DIR: '/run/user/7' }, 'linux', ['/ci/auth.json', '/home/u/.config/containers/auth.json']],
    [{ XDG_RUNTIME_DIR: '/run/user/7' }, 'linux', ['/run/user/7/containers/auth.json', '/home/u/.config/containers/auth.json']],
    [{ XDG_RUNTIME_DIR: '/run/user/7', XDG_CONFIG_HOME: '/cfg' }, 'linux', ['/run/user/7/containers/auth.json', '/cfg/containers/auth.json']],
    [{}, 'linux', ['/run/containers/7/auth.json', '/home/u/.config/containers/auth.json']],
    [{}, 'darwin', ['/home/u/.config/containers/auth.json']],
    [{ REGISTRY_AUTH_FILE: '/home/u/.config/containers/auth.json' }, 'linux', ['/home/u/.config/containers/auth.json']],
  ];
  for (const [env, platform, want] of table) assert.deepEqual(containersAuthFiles({ env, platform, home, uid: 7 }), want, JSON.stringify(env));
});

test('containers auth keys: most specific namespace first, the host last', () => {
  assert.deepEqual(containersAuthKeys('my-registry.local', 'namespace/user/image'), [
    'my-registry.local/namespace/user/image',
    'my-registry.local/namespace/user',
    'my-registry.local/namespace',
    'my-registry.local',
  ]);
  assert.deepEqual(containersAuthKeys('registry-1.docker.io', 'library/alpine'), ['docker.io/library/alpine', 'docker.io/library', 'docker.io']);
  assert.deepEqual(containersAuthKeys('localhost:5000'), ['localhost:5000']);
});

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'regctl-cauth-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('containers auth store: the most specific key wins, in the first file that has one', async (t) => {
  const dir = await tempDir(t);
  const primary = join(dir, 'run', 'auth.json');
  const user = join(dir, 'config', 'auth.json');
  await mkdir(join(dir, 'run'));
  await mkdir(join(dir, 'config'));
  await writeFile(
    primary,
    JSON.stringify({
      auths: {
        'quay.io/team': { auth: b64('team:pw-team') },
        'quay.io/team/app': { auth: b64('app:pw-app') },
        'docker.io': { auth: b64('hub:pw-hub') },
        'tok.example': { auth: b64('<token>:'), identitytoken: 'rt-1' },
      },
    }),
  );
  await writeFile(
    user,
    JSON.stringify({
      auths: {
        'quay.io': { auth: b64('quay:pw-quay') },
        'https://old.example/v1/': { auth: b64('old:pw-old') },
        'ghcr.io/org': { auth: b64('org:pw-org') },
      },
    }),
  );
  const store = new ContainersAuthStore({ files: [primary, user] });
  const table: Array<[string, string | undefined, object | undefined]> = [
    ['quay.io', 'team/app', { username: 'app', password: 'pw-app' }],
    ['quay.io', 'team/app/sub', { username: 'app', password: 'pw-app' }],
    ['quay.io', 'team/other', { username: 'team', password: 'pw-team' }],
    ['quay.io', 'teamx/app', { username: 'quay', password: 'pw-quay' }],
    ['quay.io', undefined, { username: 'quay', password: 'pw-quay' }],
    ['registry-1.docker.io', 'library/alpine', { username: 'hub', password: 'pw-hub' }],
    ['docker.io', undefined, { username: 'hub', password: 'pw-hub' }],
    ['old.example', 'a/b', { username: 'old', password: 'pw-old' }],
    ['ghcr.io', 'org/app', { username: 'org', password: 'pw-org' }],
    ['ghcr.io', 'other/app', undefined],
    ['ghcr.io', undefined, undefined],
    ['tok.example', 'x', { username: '<token>', identityToken: 'rt-1' }],
    ['nowhere.example', 'x', undefined],
  ];
  for (const [server, repo, want] of table) assert.deepEqual(await store.get(server, repo), want, `${server} ${repo ?? ''}`);
  assert.equal(await new ContainersAuthStore({ files: [join(dir, 'missing.json')] }).get('quay.io'), undefined);
});

test('containers auth store: a damaged file is one line naming it, quoting nothing', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'auth.json');
  await writeFile(file, '{"auths": {"quay.io": {"auth": "c2VjcmV0"}');
  await assert.rejects(new ContainersAuthStore({ files: [file] }).get('quay.io'), (err: unknown) => {
    assert.ok(err instanceof RegctlError);
    assert.equal(err.kind, 'usage');
    assert.equal(err.message, `containers auth file ${file} is not valid JSON`);
    return true;
  });
});

test('containers auth store: credHelpers for the host are asked first, with the bare host', async (t) => {
  const dir = await tempDir(t);
  const helper = await createFakeHelper('store', { 'registry.example.com': { Username: 'h', Secret: 'pw-helper' } });
  t.after(() => helper.remove());
  const file = join(dir, 'auth.json');
  await writeFile(
    file,
    JSON.stringify({ credHelpers: { 'registry.example.com': helper.name }, auths: { 'registry.example.com': { auth: b64('a:pw-auths') } } }),
  );
  const env = { PATH: helper.path };
  assert.deepEqual(await new ContainersAuthStore({ files: [file], env }).get('registry.example.com', 'x/y'), { username: 'h', password: 'pw-helper' });
  assert.deepEqual((await helper.calls())[0], { op: 'get', input: 'registry.example.com' });

  const broken = await createFakeHelper('fail');
  t.after(() => broken.remove());
  await writeFile(
    file,
    JSON.stringify({ credHelpers: { 'registry.example.com': broken.name }, auths: { 'registry.example.com': { auth: b64('a:pw-auths') } } }),
  );
  const warnings: string[] = [];
  const store = new ContainersAuthStore({ files: [file], env: { PATH: broken.path }, warn: (l) => warnings.push(l) });
  assert.deepEqual(await store.get('registry.example.com'), { username: 'a', password: 'pw-auths' });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /using the "auths" entries of .*auth\.json only$/);
});
