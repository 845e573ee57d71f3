import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { requireTool } from '../../test/support/tools.js';
import { alternate } from '../lib/alternate.js';
import { median, timed } from '../lib/measure.js';
import { writeManyImages } from '../lib/many-images.js';
import type { BenchContext, RowResult } from '../lib/row.js';
import { mustSucceed, regctlEnv, timedRegctl } from '../lib/setup.js';

/** `regctl images` over a cache of `ctx.images` images (absolute seconds), beside `umoci ls` of the same layout. */
export async function imagesRow(ctx: BenchContext): Promise<RowResult> {
  const umoci = requireTool('umoci');
  const cache = join(ctx.scratch, 'images-cache');
  ctx.log(`writing a cache of ${ctx.images} images…`);
  writeManyImages(cache, ctx.images);
  const env = regctlEnv(ctx.scratch);
  const [r, u] = await alternate(
    {
      name: 'regctl',
      run: async () => {
        const m = mustSucceed('regctl images', await timedRegctl(['--cache-dir', cache, 'images'], env));
        const rows = m.stdout.trim().split('\n').length - 1;
        if (rows !== ctx.images) throw new Error(`regctl images listed ${rows} images, expected ${ctx.images}`);
        return m;
      },
    },
    { name: 'umoci', run: async () => mustSucceed('umoci ls', await timed(umoci, ['ls', '--layout', cache], env)) },
    ctx.rounds,
    ctx.log,
  );
  // The counted runs read the listing memo the warm-up wrote (what a user sees from the second
  // listing on); a cold listing reads every manifest and config.
  const cold: number[] = [];
  for (let i = 0; i < ctx.rounds; i++) {
    rmSync(join(cache, '.regctl', 'listing.json'), { force: true });
    cold.push(mustSucceed('regctl images (no memo)', await timedRegctl(['--cache-dir', cache, 'images'], env)).wallMs);
  }
  return {
    id: 'images',
    title: `\`images\` with ${ctx.images} cached images`,
    regctl: { label: 'regctl images', runs: r },
    reference: { label: 'umoci ls --layout', runs: u },
    goal: 'seconds',
    bytes: 0,
    notes: [
      `regctl images without its listing memo (.regctl/listing.json deleted before each run, so every manifest and config is read): median ${(median(cold) / 1000).toFixed(3)} s (${cold.map((ms) => (ms / 1000).toFixed(3)).join(', ')})`,
    ],
  };
}
