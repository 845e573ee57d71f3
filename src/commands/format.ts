import { terminalSafe } from '../util/terminal-text.js';

/** Formats bytes the way docker does: decimal units, three significant digits ("12.3MB"). */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let i = 0;
  while (value >= 1000 && i < units.length - 1) {
    value /= 1000;
    i++;
  }
  let text = i === 0 ? String(value) : value.toPrecision(3);
  if (text.includes('.')) text = text.replace(/\.?0+$/, '');
  return `${text}${units[i]}`;
}

/** Formats an ISO time as docker's "N units ago". */
export function timeAgo(iso: string | undefined, now: Date = new Date()): string {
  if (!iso) return 'N/A';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return 'N/A';
  const s = Math.max(0, Math.round((now.getTime() - t) / 1000));
  const steps: [number, string][] = [
    [60, 'second'],
    [60, 'minute'],
    [24, 'hour'],
    [7, 'day'],
    [4.345, 'week'],
    [12, 'month'],
    [Infinity, 'year'],
  ];
  let value = s;
  for (const [size, name] of steps) {
    if (value < size) {
      if (name === 'second' && value < 2) return 'Less than a second ago';
      const n = Math.floor(value);
      return `${n} ${name}${n === 1 ? '' : 's'} ago`;
    }
    value /= size;
  }
  return 'N/A';
}

/** Lays rows out in columns separated by three spaces, as docker's tables are. */
export function table(header: string[], cells: string[][]): string[] {
  // A cell is one line: a newline or escape sequence from outside (a label, a history entry) is printed escaped.
  const rows = cells.map((r) => r.map((c) => terminalSafe(c)));
  // A loop, not Math.max(...rows): spreading a long list into arguments overflows the call stack.
  const widths = header.map((h) => h.length);
  for (const r of rows) for (const [i, c] of r.entries()) widths[i] = Math.max(widths[i] ?? 0, c.length);
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('   ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/** The first 12 hex digits of a digest, docker's short image ID. */
export function shortId(digest: string): string {
  return digest.slice(digest.indexOf(':') + 1, digest.indexOf(':') + 13);
}
