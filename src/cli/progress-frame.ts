import { humanSize, shortId } from '../commands/format.js';
import { terminalSafe } from '../util/terminal-text.js';
import { layerRate, movedBytes, overallRate, remainingBytes, transferred, type LayerRow, type TransferState } from './progress-state.js';

/** Which words the display uses (docker's, per command). */
export type ProgressVerb = 'pull' | 'push' | 'copy';

/** docker's words for each phase of a layer, per command. */
export const WORDS: Record<ProgressVerb, { start: string; active: string; done: string; skip: string; past: string }> = {
  pull: { start: 'Pulling fs layer', active: 'Downloading', done: 'Pull complete', skip: 'Already exists', past: 'pulled' },
  push: { start: 'Preparing', active: 'Pushing', done: 'Pushed', skip: 'Layer already exists', past: 'pushed' },
  copy: { start: 'Copying', active: 'Copying', done: 'Copied', skip: 'Already exists', past: 'copied' },
};

/** What docker push says of a layer it leaves to its urls. */
export const FOREIGN = 'Skipped foreign layer';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** The words for a layer that is not moving bytes (or the active word without its figures). */
export function phaseText(row: LayerRow, verb: ProgressVerb): string {
  const w = WORDS[verb];
  switch (row.phase) {
    case 'waiting':
      return 'Waiting';
    case 'starting':
      return w.start;
    case 'active':
      return w.active;
    case 'done':
      return w.done;
    case 'skipped':
      return w.skip;
    case 'mounted':
      return `Mounted from ${row.from ?? '?'}`;
    case 'foreign':
      return FOREIGN;
  }
}

/** `12.3MB/64MB (8.1MB/s)`: a layer's bytes, size and rate, as the plain display's periodic line shows them. */
export function layerFigures(row: LayerRow, now: number): string {
  return `${humanSize(row.bytes)}/${humanSize(row.size)} (${humanSize(Math.round(layerRate(row, now)))}/s)`;
}

/** The plain display's periodic line for an active layer: `a1b2c3d4e5f6: Downloading 12.3MB/64MB (8.1MB/s)`. */
export function plainLayerLine(row: LayerRow, verb: ProgressVerb, now: number): string {
  return `${shortId(row.digest)}: ${WORDS[verb].active} ${layerFigures(row, now)}`;
}

function duration(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}

/** The closing line: `pulled 4 layers, 256MB in 3.1 s (2 already present)`; undefined when no layer moved. */
export function summaryLine(state: TransferState, verb: ProgressVerb, now: number): string | undefined {
  const t = transferred(state);
  if (t.layers === 0) return undefined;
  const present = t.present > 0 ? ` (${t.present} already present)` : '';
  return `${WORDS[verb].past} ${t.layers} layer${t.layers === 1 ? '' : 's'}, ${humanSize(t.bytes)} in ${duration(now - state.began)}${present}`;
}

/** Cuts a line (its controls escaped) to fit `width` columns: one less than the width, so no terminal wraps it. */
function fit(text: string, width: number): string {
  const line = terminalSafe(text);
  const max = Math.max(1, width - 1);
  const chars = [...line];
  return chars.length <= max ? line : `${chars.slice(0, max - 1).join('')}…`;
}

function bar(fraction: number, width: number): string {
  const inner = width - 2;
  const full = Math.min(inner, Math.floor(fraction * inner));
  const head = full < inner ? '>' : '';
  return `[${'='.repeat(full)}${head}${' '.repeat(Math.max(0, inner - full - head.length))}]`;
}

function eta(state: TransferState, now: number): string {
  const rate = overallRate(state, now);
  const left = remainingBytes(state);
  if (left === 0) return '';
  if (rate <= 0) return '  ETA --';
  const s = Math.ceil(left / rate);
  return `  ETA ${s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`}`;
}

/**
 * The live display's frame for `width` columns: one line per layer (queued ones `Waiting`, active
 * ones with a bar, bytes and rate), then the total with its rate and ETA. Every line fits the width,
 * so a frame never wraps and can be redrawn exactly; a pure function of the state, width and clock.
 */
export function renderFrame(state: TransferState, verb: ProgressVerb, width: number, now: number, tick = 0): string[] {
  const lines: string[] = [];
  const figuresOf = (row: LayerRow): string => `${humanSize(row.bytes)}/${humanSize(row.size)}  ${humanSize(Math.round(layerRate(row, now)))}/s`;
  // Figures are padded to the widest, so every active row's bar has the same length.
  const figuresWidth = Math.max(0, ...state.rows.filter((r) => r.phase === 'active').map((r) => figuresOf(r).length));
  for (const row of state.rows) {
    const head = `${shortId(row.digest)}: ${phaseText(row, verb)}`;
    if (row.phase !== 'active') {
      lines.push(fit(head, width));
      continue;
    }
    const figures = figuresOf(row).padEnd(figuresWidth);
    const room = width - 1 - head.length - figures.length - 2;
    const barWidth = Math.min(40, room);
    lines.push(
      fit(barWidth >= 10 ? `${head} ${bar(row.size ? row.bytes / row.size : 0, barWidth)} ${figures}`.trimEnd() : `${head} ${figures.trimEnd()}`, width),
    );
  }
  const t = transferred(state);
  const total = state.rows.reduce((n, r) => n + (r.phase === 'skipped' || r.phase === 'mounted' || r.phase === 'foreign' ? 0 : r.size), 0);
  const spinner = SPINNER[tick % SPINNER.length];
  const rate = humanSize(Math.round(overallRate(state, now)));
  lines.push(
    fit(`${spinner} ${t.layers}/${state.rows.length} layers  ${humanSize(movedBytes(state))}/${humanSize(total)}  ${rate}/s${eta(state, now)}`, width),
  );
  return lines;
}
