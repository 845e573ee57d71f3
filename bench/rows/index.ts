import type { BenchContext, Row, RowResult } from '../lib/row.js';
import { copyRow } from './copy.js';
import { imagesRow } from './images.js';
import { pullRow } from './pull.js';
import { pushRow } from './push.js';
import { repullRow, versionRow } from './startup.js';

/** The table, in its order: what `--all` runs. */
export const ALL_ROWS = ['pull-4x64', 'pull-4x256', 'pull-1x512', 'copy-4x256', 'copy-4x64', 'push-4x64', 'version', 'repull', 'images'];

const TRANSFER = /^(pull|copy|push)-(\d+)x(\d+)$/;

/**
 * The row an id names: `version`, `repull`, `images`, or a transfer `pull|copy|push-<layers>x<MiB>`
 * of any shape (`pull-2x32` works as well as the table's rows).
 */
export function rowById(id: string): Row {
  const fixed: Record<string, (ctx: BenchContext) => Promise<RowResult>> = { version: versionRow, repull: repullRow, images: imagesRow };
  const run = fixed[id];
  if (run) return { id, run };
  const m = TRANSFER.exec(id);
  if (!m) throw new Error(`unknown bench row "${id}": use ${ALL_ROWS.join(', ')}, or pull|copy|push-<layers>x<MiB>`);
  const [kind, layers, mib] = [m[1]!, Number(m[2]), Number(m[3])];
  if (layers < 1 || mib < 1) throw new Error(`bench row "${id}" needs at least one layer of at least 1 MiB`);
  const transfer = kind === 'pull' ? pullRow : kind === 'copy' ? copyRow : pushRow;
  return { id, run: (ctx) => transfer(ctx, id, layers, mib) };
}
