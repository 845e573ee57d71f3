import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { REGCTL_BIN } from '../../test/support/cli.js';
import { requireTool } from '../../test/support/tools.js';
import { alternate } from '../lib/alternate.js';
import type { Measurement } from '../lib/measure.js';
import { blobTraffic, RegistryPool } from '../lib/registries.js';
import { ratioRow, type BenchContext, type RowResult } from '../lib/row.js';
import { MiB, mustSucceed, regctlEnv, seedImage, skopeoEnv, timedRegctl, timedSkopeo } from '../lib/setup.js';

/**
 * `regctl push` from its cache against `skopeo copy oci:LAYOUT docker://…` from an OCI layout
 * holding the same image, each into a fresh registry; each run's access log must show every blob
 * uploaded (nothing mounted or skipped).
 */
export async function pushRow(ctx: BenchContext, id: string, layers: number, layerMiB: number): Promise<RowResult> {
  const skopeo = requireTool('skopeo');
  const pool = new RegistryPool();
  try {
    const layout = join(ctx.scratch, `push-layout-${id}`);
    const cache = join(ctx.scratch, `push-cache-${id}`);
    const env = regctlEnv(ctx.scratch);
    const sEnv = skopeoEnv(ctx.scratch);
    // The image reaches regctl's cache by a local copy, so both tools push the same bytes.
    await seedImage(await pool.fresh(), { layers, layerSize: layerMiB * MiB }, ctx.log, layout);
    const regctl = (...args: string[]): void => void execFileSync(process.execPath, [REGCTL_BIN, '--cache-dir', cache, '--progress', 'none', ...args], { env });
    regctl('copy', `oci:${layout}:v1`, `oci:${cache}:bench.local/app:v1`);
    await pool.stopAll();
    const pushInto = async (tool: string, push: (host: string) => Promise<Measurement>): Promise<Measurement> => {
      const dst = await pool.fresh();
      const m = mustSucceed(`${tool} push`, await push(dst.host));
      const t = blobTraffic(await dst.accessLog());
      await pool.drop(dst);
      if (t.uploads < layers + 1) throw new Error(`${tool} push uploaded ${t.uploads} blobs, expected ${layers + 1}`);
      return m;
    };
    const [r, s] = await alternate(
      {
        name: 'regctl',
        run: () =>
          pushInto('regctl', async (host) => {
            // Earlier runs' blob sources would let it mount instead of upload.
            rmSync(join(cache, '.regctl', 'blob-sources'), { recursive: true, force: true });
            regctl('tag', 'bench.local/app:v1', `${host}/bench/app:v1`);
            const m = await timedRegctl(['--cache-dir', cache, '--progress', 'none', 'push', `${host}/bench/app:v1`], env);
            regctl('rmi', `${host}/bench/app:v1`);
            return m;
          }),
      },
      {
        name: 'skopeo',
        run: () =>
          pushInto('skopeo', (host) =>
            timedSkopeo(skopeo, ['copy', '--dest-tls-verify=false', '--dest-no-creds', `oci:${layout}:v1`, `docker://${host}/bench/app:v1`], sEnv),
          ),
      },
      ctx.rounds,
      ctx.log,
    );
    return ratioRow(
      id,
      `push ${layers}×${layerMiB} MiB`,
      { label: 'regctl push (cache → fresh registry)', runs: r },
      { label: 'skopeo copy oci: → docker://', runs: s },
      layers * layerMiB * MiB,
    );
  } finally {
    await pool.stopAll();
  }
}
