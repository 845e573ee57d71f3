import type { CopyEvent } from '../content/types.js';
import type { Descriptor } from '../oci/descriptor.js';
import { isIndexMediaType, isManifestMediaType } from '../oci/media-types.js';

/** Where one layer stands. */
export type LayerPhase = 'waiting' | 'starting' | 'active' | 'done' | 'skipped' | 'mounted' | 'foreign';

/** One layer of the transfer as the display knows it. */
export interface LayerRow {
  digest: string;
  size: number;
  phase: LayerPhase;
  /** Bytes moved so far. */
  bytes: number;
  /** When its first byte moved (ms), for its rate. */
  started?: number;
  /** The repository it was mounted from. */
  from?: string;
}

/**
 * What a transfer's progress display shows, built from copy events alone (ARCHITECTURE: progress is
 * data), so every renderer is a pure function of it and a clock.
 */
export interface TransferState {
  /** Layers in the order they were first seen. */
  rows: LayerRow[];
  /** When the transfer began (ms). */
  began: number;
  /** Every blob finished (written, or found present), layers or not: what an interrupted pull keeps. */
  finishedBytes: number;
  /** Recent (time, bytes moved in all) samples, oldest first, for the overall rate and the ETA. */
  samples: { at: number; bytes: number }[];
}

/** A fresh state for a transfer starting at `now`. */
export function newTransferState(now: number): TransferState {
  return { rows: [], began: now, finishedBytes: 0, samples: [] };
}

/** True for a layer-like blob: what docker shows a row for (not a manifest, index or config). */
export function isLayerish(desc: Descriptor): boolean {
  return !isManifestMediaType(desc.mediaType) && !isIndexMediaType(desc.mediaType) && !/config|json/.test(desc.mediaType);
}

/** How long the overall rate looks back, in ms. */
const RATE_WINDOW_MS = 5_000;

/** Applies one copy event at time `now`. */
export function applyEvent(state: TransferState, e: CopyEvent, now: number): void {
  if (e.type === 'done' || e.type === 'skip') state.finishedBytes += e.type === 'done' ? e.desc.size : 0;
  if (!isLayerish(e.desc)) return;
  let row = state.rows.find((r) => r.digest === e.desc.digest);
  if (!row) {
    row = { digest: e.desc.digest, size: e.desc.size, phase: 'waiting', bytes: 0 };
    state.rows.push(row);
  }
  switch (e.type) {
    case 'queued':
      break;
    case 'start':
      row.phase = 'starting';
      break;
    case 'progress':
      if (row.phase !== 'active') row.started = now;
      row.phase = 'active';
      row.bytes = e.bytes;
      sample(state, now);
      break;
    case 'done':
      row.phase = 'done';
      row.bytes = row.size;
      sample(state, now);
      break;
    case 'skip':
      row.phase = 'skipped';
      break;
    case 'mount':
      row.phase = 'mounted';
      row.from = e.from;
      break;
    case 'foreign':
      row.phase = 'foreign';
      break;
  }
}

function sample(state: TransferState, now: number): void {
  state.samples.push({ at: now, bytes: movedBytes(state) });
  while (state.samples.length > 2 && now - (state.samples[1]?.at ?? now) > RATE_WINDOW_MS) state.samples.shift();
}

/** Bytes moved so far over every layer. */
export function movedBytes(state: TransferState): number {
  let n = 0;
  for (const r of state.rows) if (r.phase === 'active' || r.phase === 'done') n += r.bytes;
  return n;
}

/** Bytes the transfer still has to move (layers waiting, starting or active). */
export function remainingBytes(state: TransferState): number {
  let n = 0;
  for (const r of state.rows) if (r.phase === 'waiting' || r.phase === 'starting' || r.phase === 'active') n += r.size - r.bytes;
  return n;
}

/** Bytes per second over the recent window; 0 before two samples. */
export function overallRate(state: TransferState, now: number): number {
  const first = state.samples[0];
  const last = state.samples[state.samples.length - 1];
  if (!first || !last || last === first) return 0;
  const ms = Math.max(now, last.at) - first.at;
  return ms > 0 ? ((last.bytes - first.bytes) * 1000) / ms : 0;
}

/** One layer's bytes per second since its first byte. */
export function layerRate(row: LayerRow, now: number): number {
  const ms = now - (row.started ?? now);
  return ms > 0 ? (row.bytes * 1000) / ms : 0;
}

/** Layers transferred (done), and their bytes. */
export function transferred(state: TransferState): { layers: number; bytes: number; present: number } {
  let layers = 0;
  let bytes = 0;
  let present = 0;
  for (const r of state.rows) {
    if (r.phase === 'done') {
      layers++;
      bytes += r.size;
    } else if (r.phase === 'skipped' || r.phase === 'mounted') present++;
  }
  return { layers, bytes, present };
}
