import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { startRegistry } from '../../test/support/registry.js';
import { requireTool } from '../../test/support/tools.js';
import { alternate } from '../lib/alternate.js';
import { timed } from '../lib/measure.js';
import { ratioRow, type BenchContext, type RowResult } from '../lib/row.js';
import { MiB, mustSucceed, regctlEnv, seedImage, skopeoEnv, timedRegctl, timedSkopeo } from '../lib/setup.js';

/** Alternations per round for the rows whose runs take a fraction of a second. */
const QUICK_REPEAT = 4;

/** `regctl --version` against `node -e 0`: what regctl adds to node's own start. */
export async function versionRow(ctx: BenchContext): Promise<RowResult> {
  const env = regctlEnv(ctx.scratch);
  const [r, n] = await alternate(
    {
      name: 'regctl',
      run: async () => {
        const m = mustSucceed('regctl --version', await timedRegctl(['--version'], env));
        if (!/^\d+\.\d+\.\d+/.test(m.stdout)) throw new Error(`regctl --version printed ${JSON.stringify(m.stdout)}`);
        return m;
      },
    },
    { name: 'node', run: async () => mustSucceed('node -e 0', await timed(process.execPath, ['-e', '0'], env)) },
    ctx.rounds,
    ctx.log,
    QUICK_REPEAT,
  );
  return ratioRow('version', '`--version` / `node -e 0`', { label: 'regctl --version', runs: r }, { label: 'node -e 0', runs: n });
}

/**
 * A pull of an image the cache already holds (a manifest request, no blob) against
 * `skopeo inspect --raw` of the same image (a /v2/ ping and the manifest).
 */
export async function repullRow(ctx: BenchContext): Promise<RowResult> {
  const skopeo = requireTool('skopeo');
  const reg = await startRegistry({ mode: 'open' });
  try {
    const { ref } = await seedImage(reg, { layers: 2, layerSize: MiB }, ctx.log);
    const env = regctlEnv(ctx.scratch);
    const sEnv = skopeoEnv(ctx.scratch);
    const cache = mkdtempSync(join(ctx.scratch, 'repull-cache-'));
    mustSucceed('regctl pull (first)', await timedRegctl(['pull', '--progress', 'none', '--cache-dir', cache, ref], env));
    const [r, s] = await alternate(
      {
        name: 'regctl',
        run: async () => {
          const m = mustSucceed('regctl pull (again)', await timedRegctl(['pull', '--progress', 'none', '--cache-dir', cache, ref], env));
          if (!m.stdout.includes('Image is up to date')) throw new Error(`regctl pull again was not a no-op: ${m.stdout}`);
          return m;
        },
      },
      {
        name: 'skopeo',
        run: async () =>
          mustSucceed('skopeo inspect --raw', await timedSkopeo(skopeo, ['inspect', '--raw', '--tls-verify=false', '--no-creds', `docker://${ref}`], sEnv)),
      },
      ctx.rounds,
      ctx.log,
      QUICK_REPEAT,
    );
    return ratioRow(
      'repull',
      'no-op re-pull / `skopeo inspect --raw`',
      { label: 'regctl pull (image up to date)', runs: r },
      { label: 'skopeo inspect --raw', runs: s },
    );
  } finally {
    await reg.stop();
  }
}
