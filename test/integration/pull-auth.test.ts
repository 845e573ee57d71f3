import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCli, tempDir, type CliResult } from '../support/cli.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { umociLs } from '../support/tools.js';
import { assertBlobsIntact, cacheEntry, cacheNames, pushImage, writeConfig } from './pull-helpers.js';

const USER = 'alice';
const PASSWORD = 'wonderland-secret';
const dirs: (() => void)[] = [];

function newDir(prefix: string): string {
  const t = tempDir(prefix);
  dirs.push(t.remove);
  return t.dir;
}

after(() => {
  for (const remove of dirs) remove();
});

/** A DOCKER_CONFIG directory whose config.json holds `entry` for `host`. */
async function dockerConfig(host: string, entry: Record<string, string>): Promise<string> {
  return writeConfig(newDir('regctl-docker-config-'), { auths: { [host]: entry } });
}

/** Any JWT (header and claims start `eyJ` in base64url). */
const JWT = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}/;

/** Asserts no secret appears anywhere in the run's output. */
function assertNoSecrets(r: CliResult, secrets: string[]): void {
  for (const s of secrets) {
    assert.ok(!r.stdout.includes(s), `stdout leaks ${s}`);
    assert.ok(!r.stderr.includes(s), `stderr leaks ${s}`);
  }
  assert.doesNotMatch(r.stderr, JWT, 'stderr leaks a bearer token');
  assert.doesNotMatch(r.stdout, JWT, 'stdout leaks a bearer token');
}

describe('pull from a registry with htpasswd Basic auth', () => {
  let reg: RunningRegistry;
  before(async () => {
    reg = await startRegistry({ mode: 'basic', users: { [USER]: PASSWORD } });
    await pushImage(reg, 'team/app:v1', { seed: 'pull-basic', layers: 2, layerSize: 4096 });
  });
  after(async () => {
    await reg?.stop();
  });

  it('pulls with REGCTL_USERNAME/REGCTL_PASSWORD', async () => {
    const cache = newDir('regctl-pull-cache-');
    const name = `${reg.host}/team/app:v1`;
    const r = await runCli(['pull', '--cache-dir', cache, name], { env: { REGCTL_USERNAME: USER, REGCTL_PASSWORD: PASSWORD, REGCTL_REGISTRY: reg.host } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`Status: Downloaded newer image for ${name}\n${name}\n$`));
    await cacheEntry(cache, name);
    await assertBlobsIntact(cache);
    assert.deepEqual(await umociLs(cache), [name]);
  });

  it('pulls with an auths entry (base64 auth) in Docker config.json', async () => {
    const cache = newDir('regctl-pull-cache-');
    const name = `${reg.host}/team/app:v1`;
    const docker = await dockerConfig(reg.host, { auth: Buffer.from(`${USER}:${PASSWORD}`).toString('base64') });
    const r = await runCli(['pull', '--cache-dir', cache, name], { env: { DOCKER_CONFIG: docker } });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await cacheNames(cache), [name]);
  });

  it('exits 4 without credentials', async () => {
    const cache = newDir('regctl-pull-cache-');
    const r = await runCli(['pull', '--cache-dir', cache, `${reg.host}/team/app:v1`]);
    assert.equal(r.code, 4, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(reg.host.replace(/\./g, '\\.')));
    assert.deepEqual(await cacheNames(cache), []);
  });

  it('exits 4 with a wrong password', async () => {
    const cache = newDir('regctl-pull-cache-');
    const r = await runCli(['pull', '--cache-dir', cache, `${reg.host}/team/app:v1`], {
      env: { REGCTL_USERNAME: USER, REGCTL_PASSWORD: 'not-the-password', REGCTL_REGISTRY: reg.host },
    });
    assert.equal(r.code, 4, r.stderr);
    assert.equal(r.stdout, '');
    assert.ok(!r.stderr.includes('not-the-password'), 'stderr leaks the wrong password');
    assert.deepEqual(await cacheNames(cache), []);
  });

  it('never prints the password, even with --debug', async () => {
    const secrets = [PASSWORD, Buffer.from(`${USER}:${PASSWORD}`).toString('base64')];
    const cache = newDir('regctl-pull-cache-');
    const name = `${reg.host}/team/app:v1`;
    const viaEnv = await runCli(['pull', '--debug', '--cache-dir', cache, name], {
      env: { REGCTL_USERNAME: USER, REGCTL_PASSWORD: PASSWORD, REGCTL_REGISTRY: reg.host },
    });
    assert.equal(viaEnv.code, 0, viaEnv.stderr);
    assert.match(viaEnv.stderr, /GET .*\/v2\/team\/app\/manifests\/v1/, '--debug logs the requests');
    assertNoSecrets(viaEnv, secrets);

    const docker = await dockerConfig(reg.host, { auth: secrets[1]! });
    const viaDocker = await runCli(['pull', '--debug', '--cache-dir', newDir('regctl-pull-cache-'), name], { env: { DOCKER_CONFIG: docker } });
    assert.equal(viaDocker.code, 0, viaDocker.stderr);
    assertNoSecrets(viaDocker, secrets);

    const wrong = await runCli(['pull', '--debug', '--cache-dir', newDir('regctl-pull-cache-'), name], {
      env: { REGCTL_USERNAME: USER, REGCTL_PASSWORD: `${PASSWORD}-x`, REGCTL_REGISTRY: reg.host },
    });
    assert.equal(wrong.code, 4, wrong.stderr);
    assertNoSecrets(wrong, secrets);
  });
});

describe('pull from a registry with Bearer token auth', () => {
  let reg: RunningRegistry;
  before(async () => {
    reg = await startRegistry({ mode: 'token', users: { [USER]: PASSWORD }, publicPrefix: 'public/' });
    await pushImage(reg, 'public/app:v1', { seed: 'pull-token-public', layers: 1, layerSize: 4096 });
    await pushImage(reg, 'private/app:v1', { seed: 'pull-token-private', layers: 2, layerSize: 4096 });
  });
  after(async () => {
    await reg?.stop();
  });

  it('pulls a public repository anonymously with a pull-scoped token', async () => {
    const token = reg.token!;
    token.clearRequests();
    const cache = newDir('regctl-pull-cache-');
    const name = `${reg.host}/public/app:v1`;
    const r = await runCli(['pull', '--cache-dir', cache, name]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await cacheNames(cache), [name]);
    await assertBlobsIntact(cache);
    const anon = token.requests.filter((q) => q.method === 'GET' && !q.basicAuth && q.user === null && q.status === 200);
    assert.ok(
      anon.some((q) => q.scopes.includes('repository:public/app:pull')),
      `token requests: ${JSON.stringify(token.requests)}`,
    );
    assert.ok(
      token.requests.every((q) => q.scopes.every((s) => !s.includes('push'))),
      'a pull asked for push',
    );
  });

  it('exits 4 for a private repository without credentials', async () => {
    const cache = newDir('regctl-pull-cache-');
    const r = await runCli(['pull', '--cache-dir', cache, `${reg.host}/private/app:v1`]);
    assert.equal(r.code, 4, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /private\/app/);
    assert.deepEqual(await cacheNames(cache), []);
  });

  it('pulls a private repository with credentials', async () => {
    const token = reg.token!;
    token.clearRequests();
    const cache = newDir('regctl-pull-cache-');
    const name = `${reg.host}/private/app:v1`;
    const r = await runCli(['pull', '--cache-dir', cache, name], { env: { REGCTL_USERNAME: USER, REGCTL_PASSWORD: PASSWORD, REGCTL_REGISTRY: reg.host } });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await cacheNames(cache), [name]);
    await assertBlobsIntact(cache);
    assert.ok(
      token.requests.some((q) => q.user === USER && q.status === 200 && q.scopes.includes('repository:private/app:pull')),
      JSON.stringify(token.requests),
    );
  });

  it('uses the OAuth2 refresh_token form for an identitytoken in Docker config', async () => {
    const token = reg.token!;
    const refresh = token.issueRefreshToken(USER);
    const docker = await dockerConfig(reg.host, { auth: Buffer.from('<token>:').toString('base64'), identitytoken: refresh });
    token.clearRequests();
    const cache = newDir('regctl-pull-cache-');
    const name = `${reg.host}/private/app:v1`;
    const r = await runCli(['pull', '--debug', '--cache-dir', cache, name], { env: { DOCKER_CONFIG: docker } });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await cacheNames(cache), [name]);
    const posts = token.requests.filter((q) => q.method === 'POST' && q.grantType === 'refresh_token');
    assert.ok(posts.length > 0, `no refresh_token POST: ${JSON.stringify(token.requests)}`);
    assert.ok(posts.some((q) => q.user === USER && q.status === 200 && q.scopes.includes('repository:private/app:pull')));
    assertNoSecrets(r, [refresh]);
  });

  it('--debug output carries no token or password', async () => {
    const cache = newDir('regctl-pull-cache-');
    const r = await runCli(['pull', '--debug', '--cache-dir', cache, `${reg.host}/private/app:v1`], {
      env: { REGCTL_USERNAME: USER, REGCTL_PASSWORD: PASSWORD, REGCTL_REGISTRY: reg.host },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /\/token/, '--debug logs the token request');
    assertNoSecrets(r, [PASSWORD, Buffer.from(`${USER}:${PASSWORD}`).toString('base64')]);
  });
});
