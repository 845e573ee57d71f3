import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LayoutStore } from '../../src/layout/layout-store.js';
import { tempDir } from '../support/cli.js';
import { startFaultyRegistry, type FaultyRegistry } from '../support/faulty-registry.js';
import { runReliably as runCli } from '../support/no-internal-error.js';
import { buildRandomImage, type RandomImage } from '../support/random-image.js';

function blobPath(cache: string, digest: string): string {
  return join(cache, 'blobs', 'sha256', digest.slice('sha256:'.length));
}

/** Flips the first byte of a stored blob: same size, wrong digest. */
function corrupt(cache: string, digest: string): void {
  const bytes = readFileSync(blobPath(cache, digest));
  bytes[0] = bytes[0]! ^ 0xff;
  writeFileSync(blobPath(cache, digest), bytes);
}

function intact(cache: string, digest: string): boolean {
  return (
    existsSync(blobPath(cache, digest)) &&
    `sha256:${createHash('sha256')
      .update(readFileSync(blobPath(cache, digest)))
      .digest('hex')}` === digest
  );
}

describe('one broken image does not break the cache', () => {
  let dir: { dir: string; remove: () => void };
  let cache: string;
  const images: Record<string, RandomImage> = {};

  before(async () => {
    dir = tempDir('regctl-broken-cache-');
    cache = join(dir.dir, 'cache');
    const store = await LayoutStore.open(cache, { create: true });
    for (const name of ['good', 'nomanifest', 'noconfig', 'badconfig', 'nolayer']) {
      images[name] = await buildRandomImage(store, { seed: `broken-${name}`, layers: 1, layerSize: 1024, tag: `example.com/team/${name}:1` });
    }
    rmSync(blobPath(cache, images['nomanifest']!.manifest.digest));
    rmSync(blobPath(cache, images['noconfig']!.config.digest));
    corrupt(cache, images['badconfig']!.config.digest);
    rmSync(blobPath(cache, images['nolayer']!.layers[0]!.digest));
  });
  after(() => dir.remove());

  it('images lists every image, marking those whose manifest or config is missing or corrupt in SIZE, and warns once (exit 0)', async () => {
    const r = await runCli(['--cache-dir', cache, 'images']);
    assert.equal(r.code, 0, r.stderr);
    const row = (name: string): string => r.stdout.split('\n').find((l) => l.startsWith(`example.com/team/${name} `)) ?? '';
    assert.match(row('good'), /\d+(\.\d+)?kB$/);
    assert.match(row('nomanifest'), /<broken: manifest missing>$/);
    assert.match(row('noconfig'), /<broken: config missing>$/);
    assert.match(row('badconfig'), /<broken: config corrupt>$/);
    assert.match(row('nolayer'), /\d+(\.\d+)?kB$/, 'layers are not read by a listing (check finds them)');
    assert.match(r.stderr, /^WARNING: 3 cached image\(s\) damaged \(marked broken\); "regctl check" tells what is wrong/m);
  });

  it('images --json carries a "broken" field on the broken entries only', async () => {
    const r = await runCli(['--cache-dir', cache, 'images', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as { name: string; broken?: string }[];
    const broken = Object.fromEntries(rows.map((x) => [x.name, x.broken]));
    assert.equal(broken['example.com/team/good:1'], undefined);
    assert.equal(broken['example.com/team/nomanifest:1'], `manifest ${images['nomanifest']!.manifest.digest} missing`);
    assert.equal(broken['example.com/team/badconfig:1'], `config ${images['badconfig']!.config.digest} corrupt`);
    assert.equal(broken['example.com/team/nolayer:1'], undefined);
  });

  it('check reports each damaged or missing blob with the image it breaks, exit 1; --repair removes the corrupt one', async () => {
    const r = await runCli(['--cache-dir', cache, 'check']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, new RegExp(`^missing: ${images['nomanifest']!.manifest.digest} \\(manifest of example.com/team/nomanifest:1\\)$`, 'm'));
    assert.match(r.stdout, new RegExp(`^missing: ${images['noconfig']!.config.digest} \\(config of example.com/team/noconfig:1\\)$`, 'm'));
    assert.match(r.stdout, new RegExp(`^corrupt: ${images['badconfig']!.config.digest} \\(config of example.com/team/badconfig:1\\)$`, 'm'));
    assert.match(r.stdout, new RegExp(`^missing: ${images['nolayer']!.layers[0]!.digest} \\(layer of example.com/team/nolayer:1\\)$`, 'm'));
    assert.match(r.stdout, /^checked \d+ blobs \(.*\) of 5 images: 4 damaged or missing$/m);
    assert.match(
      r.stderr,
      /^Error: the cache has 4 damaged or missing blob\(s\) \(run "regctl check --repair" to remove the damaged blobs\); pull the images again/m,
    );
    assert.ok(existsSync(blobPath(cache, images['badconfig']!.config.digest)), 'check alone changes nothing');

    const one = await runCli(['--cache-dir', cache, 'check', 'example.com/team/good:1']);
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, /^checked 3 blobs \(.*\) of 1 images: all intact$/m);

    const repaired = await runCli(['--cache-dir', cache, 'check', '--repair', '--json']);
    assert.equal(repaired.code, 1, repaired.stderr);
    const doc = JSON.parse(repaired.stdout) as { removed: string[]; problems: { digest: string; problem: string }[] };
    assert.deepEqual(doc.removed, [images['badconfig']!.config.digest]);
    assert.ok(!existsSync(blobPath(cache, images['badconfig']!.config.digest)));
  });
});

describe('pull re-verifies the manifest and config it finds cached, and repairs them', () => {
  let registry: FaultyRegistry;
  let dir: { dir: string; remove: () => void };
  before(async () => {
    registry = await startFaultyRegistry({ seed: 'broken-repair', layers: 1, layerSize: 2048 });
    dir = tempDir('regctl-pull-repair-');
  });
  after(async () => {
    await registry.close();
    dir.remove();
  });

  for (const what of ['manifest', 'config'] as const) {
    it(`a corrupt ${what} of the right size is fetched again; check then finds the cache intact`, async () => {
      const cache = join(dir.dir, what);
      const ref = `${registry.host}/team/app:v1`;
      const first = await runCli(['--cache-dir', cache, 'pull', ref]);
      assert.equal(first.code, 0, first.stderr);
      const digest = what === 'manifest' ? registry.image.manifest.digest : registry.image.config.digest;
      corrupt(cache, digest);
      assert.equal((await runCli(['--cache-dir', cache, 'check'])).code, 1);
      const again = await runCli(['--cache-dir', cache, 'pull', ref]);
      assert.equal(again.code, 0, again.stderr);
      assert.ok(intact(cache, digest), `the ${what} was repaired`);
      const checked = await runCli(['--cache-dir', cache, 'check']);
      assert.equal(checked.code, 0, checked.stdout + checked.stderr);
    });
  }
});
