import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startRegistry } from '../../test/support/registry.js';
import { requireTool } from '../../test/support/tools.js';
import { alternate } from '../lib/alternate.js';
import { ratioRow, type BenchContext, type RowResult } from '../lib/row.js';
import { countBlobs, MiB, mustSucceed, regctlEnv, seedImage, skopeoEnv, timedRegctl, timedSkopeo } from '../lib/setup.js';

/**
 * `regctl pull` into a fresh cache against `skopeo copy docker://… oci:DIR:v1` into a fresh
 * directory, from one loopback registry (distribution, plain HTTP); each run's blobs are counted.
 */
export async function pullRow(ctx: BenchContext, id: string, layers: number, layerMiB: number): Promise<RowResult> {
  const skopeo = requireTool('skopeo');
  const reg = await startRegistry({ mode: 'open' });
  try {
    const { ref } = await seedImage(reg, { layers, layerSize: layerMiB * MiB }, ctx.log);
    const env = regctlEnv(ctx.scratch);
    const sEnv = skopeoEnv(ctx.scratch);
    const expected = layers + 2;
    // Each output is removed right after its run: kept to the end of the row (tried), the GiBs
    // left in the page cache of this VM (which pages out cold memory) doubled regctl's system time.
    // The settle before each timed run waits for the deletion's writes and discards to finish.
    const checked = (tool: string, dir: string): void => {
      const n = countBlobs(dir);
      rmSync(dir, { recursive: true, force: true });
      if (n !== expected) throw new Error(`${tool} stored ${n} blobs, expected ${expected}`);
    };
    const [r, s] = await alternate(
      {
        name: 'regctl',
        run: async () => {
          const cache = mkdtempSync(join(ctx.scratch, 'pull-cache-'));
          const concurrency = ctx.concurrency ? ['--concurrency', String(ctx.concurrency)] : [];
          const m = mustSucceed('regctl pull', await timedRegctl(['pull', '--progress', 'none', '--cache-dir', cache, ...concurrency, ref], env));
          checked('regctl pull', cache);
          return m;
        },
      },
      {
        name: 'skopeo',
        run: async () => {
          const dir = join(mkdtempSync(join(ctx.scratch, 'pull-skopeo-')), 'layout');
          const m = mustSucceed(
            'skopeo copy',
            await timedSkopeo(skopeo, ['copy', '--src-tls-verify=false', '--src-no-creds', `docker://${ref}`, `oci:${dir}:v1`], sEnv),
          );
          checked('skopeo copy', dir);
          return m;
        },
      },
      ctx.rounds,
      ctx.log,
    );
    return ratioRow(
      id,
      `pull ${layers}×${layerMiB} MiB, fresh cache`,
      { label: 'regctl pull', runs: r },
      { label: 'skopeo copy docker:// → oci:', runs: s },
      layers * layerMiB * MiB,
    );
  } finally {
    await reg.stop();
  }
}
