import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { requireTool } from '../../test/support/tools.js';
import { alternate } from '../lib/alternate.js';
import type { Measurement } from '../lib/measure.js';
import { blobTraffic, RegistryPool } from '../lib/registries.js';
import { ratioRow, type BenchContext, type RowResult } from '../lib/row.js';
import { MiB, mustSucceed, regctlEnv, seedImage, skopeoEnv, timedRegctl, timedSkopeo } from '../lib/setup.js';

/**
 * `regctl copy A/… B/…` against `skopeo copy docker://A/… docker://B/…`, B a fresh registry each
 * run; then one within-registry `regctl copy`, whose access log must show every blob mounted and
 * no blob bytes moved.
 */
export async function copyRow(ctx: BenchContext, id: string, layers: number, layerMiB: number): Promise<RowResult> {
  const skopeo = requireTool('skopeo');
  const pool = new RegistryPool();
  try {
    const source = await pool.fresh();
    const { ref: from } = await seedImage(source, { layers, layerSize: layerMiB * MiB }, ctx.log);
    const env = regctlEnv(ctx.scratch);
    const sEnv = skopeoEnv(ctx.scratch);
    // copy never writes blobs to the cache; an existing cache directory is what a user has.
    const cache = join(ctx.scratch, `copy-cache-${id}`);
    mkdirSync(cache, { recursive: true });
    const into = async (tool: string, copy: (to: string) => Promise<Measurement>): Promise<Measurement> => {
      const dst = await pool.fresh();
      const m = mustSucceed(`${tool} copy`, await copy(`${dst.host}/bench/app:v1`));
      const t = blobTraffic(await dst.accessLog());
      await pool.drop(dst);
      if (t.uploads < layers + 1) throw new Error(`${tool} copy uploaded ${t.uploads} blobs, expected ${layers + 1}`);
      return m;
    };
    const [r, s] = await alternate(
      { name: 'regctl', run: () => into('regctl', (to) => timedRegctl(['--cache-dir', cache, '--progress', 'none', 'copy', from, to], env)) },
      {
        name: 'skopeo',
        run: () =>
          into('skopeo', (to) =>
            timedSkopeo(
              skopeo,
              ['copy', '--src-tls-verify=false', '--src-no-creds', '--dest-tls-verify=false', '--dest-no-creds', `docker://${from}`, `docker://${to}`],
              sEnv,
            ),
          ),
      },
      ctx.rounds,
      ctx.log,
    );
    await source.clearAccessLog();
    const within = mustSucceed(
      'regctl copy within one registry',
      await timedRegctl(['--cache-dir', cache, '--progress', 'none', 'copy', from, `${source.host}/bench/mounted:v1`], env),
    );
    const t = blobTraffic(await source.accessLog());
    const noBytes = t.uploads === 0 && t.reads === 0 && t.mounts === layers + 1;
    if (!noBytes) throw new Error(`regctl copy within one registry moved blob bytes: ${t.mounts} mounts, ${t.uploads} uploads, ${t.reads} blob reads`);
    return ratioRow(
      id,
      `copy registry A→B ${layers}×${layerMiB} MiB`,
      { label: 'regctl copy A → B', runs: r },
      { label: 'skopeo copy docker:// → docker://', runs: s },
      layers * layerMiB * MiB,
      [`within-registry regctl copy: ${(within.wallMs / 1000).toFixed(2)} s, ${t.mounts} blobs mounted, 0 uploads, 0 blob reads`],
    );
  } finally {
    await pool.stopAll();
  }
}
