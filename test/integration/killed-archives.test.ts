import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LayoutStore } from '../../src/layout/layout-store.js';
import { runCli, startCli, tempDir } from '../support/cli.js';
import { buildRandomImage } from '../support/random-image.js';

const NAME = 'localhost:5000/team/killed:v1';
const DEAD_PID = 999_999_999;

describe('a killed save or load leaves no temp file behind for good (issue 12 item 5)', () => {
  let work: { dir: string; remove: () => void };
  let cache: string;
  let archive: string;
  before(async () => {
    work = tempDir('regctl-killed-');
    cache = join(work.dir, 'cache');
    const store = await LayoutStore.open(cache, { create: true });
    const img = await buildRandomImage(store, { seed: 'killed-archives', layers: 2, layerSize: 12 * 1024 * 1024 });
    await store.tag(img.manifest, NAME);
    archive = join(work.dir, 'image.tar');
    const r = await runCli(['save', '--cache-dir', cache, '-o', archive, NAME]);
    assert.equal(r.code, 0, r.stderr);
  });
  after(() => work.remove());

  it("save -o: the temp file a killed save left beside the target is removed by the next save; a live writer's is not", async () => {
    const out = join(work.dir, 'out.tar');
    const dead = join(work.dir, `.out.tar.${DEAD_PID}.0a0b0c0d.tmp`);
    const live = join(work.dir, `.out.tar.${process.pid}.0e0f0a0b.tmp`);
    writeFileSync(dead, 'half an archive');
    writeFileSync(live, 'another save in progress');
    const r = await runCli(['save', '--cache-dir', cache, '-o', out, NAME]);
    assert.equal(r.code, 0, r.stderr);
    const left = readdirSync(work.dir).filter((n) => n.startsWith('.out.tar.'));
    assert.deepEqual(left, [`.out.tar.${process.pid}.0e0f0a0b.tmp`]);
    assert.ok(readFileSync(out).equals(readFileSync(archive)), 'the same archive as before');
  });

  it('load killed mid-archive: its staged files go at the next load, which loads the image', async () => {
    const target = join(work.dir, 'cache2');
    const bytes = readFileSync(archive);
    const run = startCli(['load', '--cache-dir', target], { keepStdin: true });
    // Feed part of the archive, wait until a layer is being staged, then kill.
    run.child.stdin?.write(bytes.subarray(0, Math.floor(bytes.length * 0.7)));
    const staged = (): string[] => {
      try {
        return readdirSync(join(target, '.tmp')).filter((n) => n.endsWith('.load'));
      } catch {
        return [];
      }
    };
    for (let waited = 0; staged().length === 0; waited += 20) {
      if (waited > 30_000) throw new Error('load never staged a file');
      await new Promise((r) => setTimeout(r, 20));
    }
    run.child.kill('SIGKILL');
    await run.done;
    assert.ok(staged().length > 0, 'the killed load left its staged file');
    const again = await runCli(['load', '--cache-dir', target, '-i', archive]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`Loaded image: ${NAME.replace(/[.]/g, '\\.')}`));
    assert.deepEqual(staged(), []);
  });
});
