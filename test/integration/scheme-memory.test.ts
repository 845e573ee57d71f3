import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, tempDir } from '../support/cli.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { cacheEntry, pushImage } from './pull-helpers.js';

const dirs: (() => void)[] = [];
function newDir(prefix: string): string {
  const t = tempDir(prefix);
  dirs.push(t.remove);
  return t.dir;
}

/** What `<cache>/.regctl/schemes.json` says of `host`, if anything. */
async function remembered(cache: string, host: string): Promise<string | undefined> {
  const doc = JSON.parse(await readFile(join(cache, '.regctl', 'schemes.json'), 'utf8')) as { hosts: Record<string, { scheme: string }> };
  return doc.hosts[host]?.scheme;
}

async function rememberWrongly(cache: string, host: string, scheme: string): Promise<void> {
  await mkdir(join(cache, '.regctl'), { recursive: true });
  await writeFile(join(cache, '.regctl', 'schemes.json'), JSON.stringify({ hosts: { [host]: { scheme, at: Date.now() } } }));
}

/** The requests --debug logged, as "METHOD URL". */
function requests(stderr: string): string[] {
  return [...stderr.matchAll(/^debug: > (\w+) (\S+)$/gm)].map((m) => `${m[1]} ${m[2]}`);
}

describe('the scheme of a loopback registry is remembered in the cache', () => {
  let open: RunningRegistry;
  let tls: RunningRegistry;
  before(async () => {
    [open, tls] = await Promise.all([startRegistry({ mode: 'open' }), startRegistry({ mode: 'tls' })]);
    await Promise.all([
      pushImage(open, 'memo/app:v1', { seed: 'scheme-open', layers: 1, layerSize: 2048 }),
      pushImage(tls, 'memo/app:v1', { seed: 'scheme-tls', layers: 1, layerSize: 2048 }),
    ]);
  });
  after(async () => {
    await open?.stop();
    await tls?.stop();
    for (const remove of dirs) remove();
  });

  it('probes HTTPS once, then goes straight to plain HTTP on the next run', async () => {
    const cache = newDir('regctl-scheme-');
    const name = `${open.host}/memo/app:v1`;
    const first = await runCli(['--debug', 'pull', '--cache-dir', cache, name]);
    assert.equal(first.code, 0, first.stderr);
    assert.ok(requests(first.stderr).includes(`GET https://${open.host}/v2/`), 'the first run probes TLS');
    assert.equal(await remembered(cache, open.host), 'http');
    const again = await runCli(['--debug', 'pull', '--cache-dir', cache, name]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /Image is up to date/);
    const sent = requests(again.stderr);
    assert.ok(sent.length > 0);
    assert.deepEqual(
      sent.filter((r) => r.includes('https://')),
      [],
      `no TLS probe on the second run: ${sent.join(', ')}`,
    );
  });

  it('heals a memory that says https for a plain-HTTP registry', async () => {
    const cache = newDir('regctl-scheme-');
    await rememberWrongly(cache, open.host, 'https');
    const name = `${open.host}/memo/app:v1`;
    const r = await runCli(['pull', '--cache-dir', cache, name]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok((await cacheEntry(cache, name)).digest.startsWith('sha256:'));
    assert.equal(await remembered(cache, open.host), 'http');
  });

  it('heals a memory that says http for a registry that now speaks TLS', async () => {
    const cache = newDir('regctl-scheme-');
    await rememberWrongly(cache, tls.host, 'http');
    const name = `${tls.host}/memo/app:v1`;
    const r = await runCli(['pull', '--ca-cert', tls.caFile!, '--cache-dir', cache, name]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok((await cacheEntry(cache, name)).digest.startsWith('sha256:'));
    assert.equal(await remembered(cache, tls.host), 'https');
  });

  it('copy uses what pull noted and leaves the cache as it was', async () => {
    const cache = newDir('regctl-scheme-');
    const pulled = await runCli(['pull', '--cache-dir', cache, `${open.host}/memo/app:v1`]);
    assert.equal(pulled.code, 0, pulled.stderr);
    const noted = await readFile(join(cache, '.regctl', 'schemes.json'), 'utf8');
    const r = await runCli(['--debug', 'copy', '--cache-dir', cache, `${open.host}/memo/app:v1`, `${open.host}/memo/copied:v2`]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      requests(r.stderr).filter((q) => q.includes('https://')),
      [],
      'no TLS probe',
    );
    assert.equal(await readFile(join(cache, '.regctl', 'schemes.json'), 'utf8'), noted);
  });

  it('copy between registries leaves no cache behind for it', async () => {
    const parent = newDir('regctl-scheme-');
    const cache = join(parent, 'never-made');
    const r = await runCli(['copy', '--cache-dir', cache, `${open.host}/memo/app:v1`, `${open.host}/memo/copied:v1`]);
    assert.equal(r.code, 0, r.stderr);
    await assert.rejects(readFile(join(cache, '.regctl', 'schemes.json')), { code: 'ENOENT' });
  });
});
