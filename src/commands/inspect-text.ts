import type { Descriptor } from '../oci/descriptor.js';
import { terminalSafe } from '../util/terminal-text.js';
import { humanSize, table, timeAgo } from './format.js';
import type { HistoryEntry } from './inspect-document.js';
import type { CommandIo } from './io.js';

/** The parts of one image the text form of `inspect` prints. */
interface ImageParts {
  manifest: unknown;
  config: unknown;
}

/**
 * Prints an image's run settings as `docker inspect` would show them (entrypoint, cmd, user, working
 * dir, env, exposed ports, volumes, labels) and its history like `docker history`, newest first.
 */
export function printImageSettings(image: ImageParts, io: CommandIo, now: Date = new Date()): void {
  const manifest = image.manifest as { layers: Descriptor[] };
  const config = image.config as { config?: Record<string, unknown> | null; history?: HistoryEntry[] };
  const c = config.config ?? {};
  // Every value comes from the image's config: one line each, controls escaped (terminalSafe).
  const one = (v: unknown): string => terminalSafe(String(v));
  const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(one) : []);
  const keys = (v: unknown): string[] => (v && typeof v === 'object' ? Object.keys(v).sort().map(one) : []);
  if (c['Entrypoint']) io.out(`  Entrypoint: ${JSON.stringify(c['Entrypoint'])}`);
  if (c['Cmd']) io.out(`  Cmd:        ${JSON.stringify(c['Cmd'])}`);
  if (c['User']) io.out(`  User:       ${one(c['User'])}`);
  if (c['WorkingDir']) io.out(`  WorkingDir: ${one(c['WorkingDir'])}`);
  if (c['StopSignal']) io.out(`  StopSignal: ${one(c['StopSignal'])}`);
  const ports = keys(c['ExposedPorts']);
  if (ports.length) io.out(`  ExposedPorts: ${ports.join(' ')}`);
  const volumes = keys(c['Volumes']);
  if (volumes.length) io.out(`  Volumes:    ${volumes.join(' ')}`);
  const env = list(c['Env']);
  if (env.length) {
    io.out('  Env:');
    for (const e of env) io.out(`    ${e}`);
  }
  const labels = (c['Labels'] && typeof c['Labels'] === 'object' ? c['Labels'] : {}) as Record<string, unknown>;
  if (Object.keys(labels).length) {
    io.out('  Labels:');
    for (const k of Object.keys(labels).sort()) io.out(`    ${one(k)}=${one(labels[k])}`);
  }
  const history = historyRows(config.history ?? [], manifest.layers, now);
  if (history.length) {
    io.out('  History (newest first; SIZE is the compressed layer):');
    for (const line of table(['CREATED', 'SIZE', 'CREATED BY'], history)) io.out(`    ${line}`);
  }
}

/** History entries matched to layers in order (entries marked empty_layer have none), newest first. */
export function historyRows(history: readonly HistoryEntry[], layers: readonly Descriptor[], now: Date): string[][] {
  let layer = 0;
  const rows = history.map((h) => {
    let size = '0B';
    if (!h.empty_layer) {
      const d = layers[layer++];
      size = d ? humanSize(d.size) : '?';
    }
    const by = (h.created_by ?? '').replace(/\s+/g, ' ').trim();
    return [h.created ? timeAgo(h.created, now) : '', size, `${by}${h.comment ? `  (${h.comment})` : ''}`];
  });
  return rows.reverse();
}
