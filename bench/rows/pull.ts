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
  const outputs: string[] = [];
  try {
    const { ref } = await seedImage(reg, { layers, layerSize: layerMiB * MiB }, ctx.log);
    const env = regctlEnv(ctx.scratch);
    const sEnv = skopeoEnv(ctx.scratch);
    const expected = layers + 2;
    // Outputs are removed after the row, not between runs: this disk is ext4 mounted with `discard`,
    // and the discards of a GiB just deleted stalled the next run's fsyncs (regctl's runs right after
    // a deletion were 1.5–2× slower; skopeo does not fsync, so it never waited).
    const checked = (tool: string, dir: string): void => {
      const n = countBlobs(dir);
      outputs.push(dir);
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
    for (const dir of outputs) rmSync(dir, { recursive: true, force: true });
    await reg.stop();
  }
}
