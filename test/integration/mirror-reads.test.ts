import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCli, tempDir, type CliResult } from '../support/cli.js';
import { startRegistry, type AccessEntry, type RunningRegistry } from '../support/registry.js';
import type { RandomImage } from '../support/random-image.js';
import { blobGets, HOST_ARCH, pushImage, showLog, writeConfig } from './pull-helpers.js';

/**
 * Docker Hub cannot be reached here, and must not matter: every run points HTTPS_PROXY at a closed
 * port, so any request to registry-1.docker.io fails at once (loopback mirrors are never proxied).
 * A mirrored read that succeeds therefore never needed the upstream, wherever the test runs.
 */
const UPSTREAM_DOWN = { HTTPS_PROXY: 'http://127.0.0.1:1', NO_PROXY: '' };

const writes = (log: AccessEntry[]): AccessEntry[] => log.filter((e) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(e.method));

describe('mirrors serve every read of docker.io, never a write', () => {
  let mirror: RunningRegistry;
  let target: RunningRegistry;
  let img: RandomImage;
  let config: string;
  let urlConfig: string;
  const work = tempDir('regctl-mirror-reads-');
  const cache = `${work.dir}/cache`;

  const regctl = (args: string[], cfg = config): Promise<CliResult> => runCli(['--config', cfg, '--cache-dir', cache, ...args], { env: UPSTREAM_DOWN });

  before(async () => {
    [mirror, target] = await Promise.all([startRegistry({ mode: 'open' }), startRegistry({ mode: 'open' })]);
    img = await pushImage(mirror, 'library/alpine:latest', {
      seed: 'mirror-reads',
      layers: 2,
      layerSize: 3000,
      platform: { os: 'linux', architecture: HOST_ARCH },
    });
    await pushImage(mirror, 'library/alpine:3.20', { seed: 'mirror-reads', layers: 2, layerSize: 3000, platform: { os: 'linux', architecture: HOST_ARCH } });
    config = await writeConfig(`${work.dir}/config`, { registries: { 'docker.io': { mirrors: [mirror.host] } } });
    urlConfig = await writeConfig(`${work.dir}/url-config`, { registries: { 'docker.io': { mirrors: [`http://${mirror.host}`] } } });
  });
  after(async () => {
    await Promise.all([mirror, target].map((r) => r?.stop()));
    work.remove();
  });

  it('digest alpine is answered by the mirror with a HEAD', async () => {
    await mirror.clearAccessLog();
    const r = await regctl(['digest', 'alpine']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${img.manifest.digest}\n`);
    const log = await mirror.accessLog();
    assert.deepEqual(
      log.filter((e) => e.path.includes('/manifests/')).map((e) => `${e.method} ${e.path} ${e.status}`),
      ['HEAD /v2/library/alpine/manifests/latest 200'],
      showLog(log),
    );
  });

  it("tags alpine lists the mirror's tags", async () => {
    await mirror.clearAccessLog();
    const r = await regctl(['tags', '--json', 'alpine']);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { name: string; tags: string[] };
    assert.deepEqual({ ...doc, tags: [...doc.tags].sort() }, { name: 'docker.io/library/alpine', tags: ['3.20', 'latest'] });
    const log = await mirror.accessLog();
    assert.ok(
      log.some((e) => e.method === 'GET' && e.path === '/v2/library/alpine/tags/list' && e.status === 200),
      showLog(log),
    );
  });

  it('inspect --remote alpine reads manifest and config from the mirror', async () => {
    await mirror.clearAccessLog();
    const r = await regctl(['inspect', '--remote', '--json', 'alpine:3.20']);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { name: string; digest: string };
    assert.equal(doc.name, 'docker.io/library/alpine:3.20');
    assert.equal(doc.digest, img.manifest.digest);
    const log = await mirror.accessLog();
    assert.ok(
      log.some((e) => e.method === 'GET' && e.path === '/v2/library/alpine/manifests/3.20' && e.status === 200),
      showLog(log),
    );
    assert.ok(
      log.some((e) => e.method === 'GET' && e.path === `/v2/library/alpine/blobs/${img.config.digest}`),
      showLog(log),
    );
  });

  it('copy docker.io/library/alpine reads every blob from the mirror and writes only to the destination', async () => {
    await mirror.clearAccessLog();
    await target.clearAccessLog();
    const r = await regctl(['copy', '-q', 'docker.io/library/alpine:latest', `${target.host}/copied/alpine:1`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${target.host}/copied/alpine@${img.manifest.digest}\n`);
    const log = await mirror.accessLog();
    assert.equal(blobGets(log).length, 3, `config and two layers from the mirror:\n${showLog(log)}`);
    assert.deepEqual(writes(log), []);
    assert.ok(writes(await target.accessLog()).some((e) => e.method === 'PUT' && e.path === '/v2/copied/alpine/manifests/1'));
  });

  it('the URL form http://127.0.0.1:PORT is a plain-HTTP mirror', async () => {
    await mirror.clearAccessLog();
    const r = await regctl(['digest', 'docker.io/library/alpine:3.20'], urlConfig);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${img.manifest.digest}\n`);
    const cacheR = await regctl(['pull', '-q', 'alpine'], urlConfig);
    assert.equal(cacheR.code, 0, cacheR.stderr);
    assert.equal(cacheR.stdout, 'docker.io/library/alpine:latest\n');
    const log = await mirror.accessLog();
    assert.ok(
      log.some((e) => e.method === 'HEAD' && e.path === '/v2/library/alpine/manifests/3.20'),
      showLog(log),
    );
  });

  it('--debug shows no request to Docker Hub for a mirrored read', async () => {
    const r = await regctl(['--debug', 'digest', 'alpine']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`> HEAD http://${mirror.host.replace(/\./g, '\\.')}/v2/library/alpine/manifests/latest`));
    assert.doesNotMatch(r.stderr, /docker\.io\/v2|registry-1\.docker\.io/);
  });

  it('a tag the mirror lacks falls through to Docker Hub, which fails fast here: a warning names the mirror, no hang', async () => {
    const r = await regctl(['digest', 'alpine:no-such-tag']);
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stderr, new RegExp(`mirror ${mirror.host.replace(/\./g, '\\.')} failed .*not found.*trying the next source`, 'i'));
    assert.match(r.stderr, /registry-1\.docker\.io|HTTPS_PROXY/);
  });

  it('writes never go to the mirror: push and copy to docker.io, and login, go to Docker Hub itself', async () => {
    await mirror.clearAccessLog();
    const tagged = await regctl(['tag', 'alpine', 'docker.io/library/alpine:pushed']);
    assert.equal(tagged.code, 0, tagged.stderr);
    const push = await regctl(['push', 'docker.io/library/alpine:pushed']);
    assert.equal(push.code, 5, push.stderr);
    const copy = await regctl(['copy', `${target.host}/copied/alpine:1`, 'docker.io/library/alpine:copied']);
    assert.equal(copy.code, 5, copy.stderr);
    const login = await runCli(['--config', config, 'login', '--store', 'file', 'docker.io', '-u', 'bob', '--password-stdin'], {
      env: UPSTREAM_DOWN,
      input: 'not-for-the-mirror',
    });
    assert.equal(login.code, 5, login.stderr);
    const log = await mirror.accessLog();
    assert.deepEqual(log, [], `the mirror saw:\n${showLog(log)}`);
  });

  it('a mirror with a path or a password in the config is refused, naming the field, exit 2', async () => {
    const bad = await writeConfig(`${work.dir}/bad-config`, {
      registries: { 'docker.io': { mirrors: [mirror.host, 'https://bob:hunter2@mirror.internal/registry'] } },
    });
    const r = await regctl(['digest', 'alpine'], bad);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /registries\.docker\.io\.mirrors\[1\]: mirror must not hold a user name or password/);
    assert.ok(!r.stderr.includes('hunter2'));
    const pathOnly = await writeConfig(`${work.dir}/path-config`, { registries: { 'docker.io': { mirrors: [`http://${mirror.host}/v2`] } } });
    const p = await regctl(['tags', 'alpine'], pathOnly);
    assert.equal(p.code, 2, p.stderr);
    assert.match(p.stderr, /registries\.docker\.io\.mirrors\[0\]: mirror must not have a path/);
  });
});
