import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCli, tempDir } from '../support/cli.js';
import { freePort as closedPort, startRegistry, type RunningRegistry } from '../support/registry.js';
import { cacheNames, pushIndex, twoPlatforms } from './pull-helpers.js';

describe('pull errors and their exit codes', () => {
  let reg: RunningRegistry;
  let cache: string;
  let removeCache: () => void;
  before(async () => {
    reg = await startRegistry({ mode: 'open' });
    await pushIndex(reg, 'errs/app:v1', { seed: 'pull-errors', platforms: twoPlatforms() });
    ({ dir: cache, remove: removeCache } = tempDir('regctl-pull-cache-'));
  });
  after(async () => {
    await reg?.stop();
    removeCache?.();
  });

  it('exits 5 naming the host when it does not resolve', async () => {
    const started = Date.now();
    // .invalid is reserved (RFC 2606): resolvers answer NXDOMAIN, nothing leaves the machine for it.
    const r = await runCli(['pull', '--cache-dir', cache, 'nosuchhost.invalid/x'], { timeout: 20_000 });
    assert.equal(r.code, 5, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /nosuchhost\.invalid/);
    assert.ok(Date.now() - started < 15_000, 'DNS failure took too long');
  });

  it('exits 5 naming the host when the connection is refused', async () => {
    const port = await closedPort();
    const r = await runCli(['pull', '--cache-dir', cache, `127.0.0.1:${port}/x/y:1`], { timeout: 30_000 });
    assert.equal(r.code, 5, r.stderr);
    assert.equal(r.stdout, '');
    assert.ok(r.stderr.includes(`127.0.0.1:${port}`), `stderr does not name the host: ${r.stderr}`);
  });

  it('exits 3 for an unknown repository and an unknown tag', async () => {
    const repo = await runCli(['pull', '--cache-dir', cache, `${reg.host}/errs/nothing:v1`]);
    assert.equal(repo.code, 3, repo.stderr);
    assert.equal(repo.stdout, '');
    assert.match(repo.stderr, /errs\/nothing/);
    const tag = await runCli(['pull', '--cache-dir', cache, `${reg.host}/errs/app:nope`]);
    assert.equal(tag.code, 3, tag.stderr);
    assert.match(tag.stderr, /errs\/app/);
    assert.deepEqual(await cacheNames(cache), []);
  });

  it('exits 2 for an invalid reference, saying what is wrong', async () => {
    const r = await runCli(['pull', '--cache-dir', cache, 'Node']);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /invalid reference "Node": repository name must be lowercase/);
  });

  it('exits 2 for --platform bogus', async () => {
    const r = await runCli(['pull', '--cache-dir', cache, '--platform', 'bogus', `${reg.host}/errs/app:v1`]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /bogus/);
  });

  it('exits 3 for a platform the index lacks, listing the available ones', async () => {
    const r = await runCli(['pull', '--cache-dir', cache, '--platform', 'linux/s390x', `${reg.host}/errs/app:v1`]);
    assert.equal(r.code, 3, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /linux\/s390x/);
    assert.match(r.stderr, /linux\/amd64/);
    assert.match(r.stderr, /linux\/arm64/);
    assert.deepEqual(await cacheNames(cache), []);
  });
});
