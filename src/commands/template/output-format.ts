import { GoTemplate } from './go-template.js';
import { HEADER_FUNCTIONS } from './template-functions.js';
import { GoMap } from './template-values.js';

/**
 * A command's `--format` value, as docker reads it: `json` (each row as JSON), `table [TEMPLATE]`
 * (a header row and aligned columns, cells separated by `\t`), or a Go template run once per row.
 * `\t` and `\n` written literally in the value become a tab and a newline.
 */
export class OutputFormat {
  /** True for `table …`: a header row, then columns aligned like docker's tabwriter. */
  readonly table: boolean;
  private readonly template: GoTemplate;
  private readonly headers: Readonly<Record<string, string>>;

  /**
   * Parses `format`; `headers` maps each row field to its column title (`ID` → `IMAGE ID`), and
   * `defaultTable` is the template a bare `table` stands for. A bad template throws (exit 2).
   */
  constructor(format: string, headers: Readonly<Record<string, string>>, defaultTable: string) {
    let text = format;
    this.table = text.startsWith('table');
    if (this.table) text = text.slice('table'.length).trim() || defaultTable;
    else if (text.trim() === 'json') text = '{{json .}}';
    text = text.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
    this.template = new GoTemplate(text);
    this.headers = headers;
  }

  /** The output for `rows`, one template run each; lines without their final newline. */
  render(rows: readonly unknown[]): string[] {
    const body = rows.map((row) => `${this.template.execute(row)}\n`).join('');
    if (!this.table) return body === '' ? [] : body.slice(0, -1).split('\n');
    const header = this.template.execute(new GoMap(this.headers), HEADER_FUNCTIONS);
    return alignColumns(`${header}\n${body}`.replace(/\n$/, '').split('\n'));
  }
}

/** Minimum column width, padding and filler of docker's table writer (tabwriter.NewWriter(out, 10, 1, 3, ' ', 0)). */
const MIN_WIDTH = 10;
const PADDING = 3;

/** Aligns tab-separated cells as Go's text/tabwriter does for docker: every tab-terminated cell is padded to its column's width. */
export function alignColumns(lines: readonly string[]): string[] {
  const rows = lines.map((l) => l.split('\t'));
  const widths: number[] = [];
  for (const cells of rows) {
    cells.slice(0, -1).forEach((c, i) => {
      widths[i] = Math.max(widths[i] ?? 0, [...c].length + PADDING, MIN_WIDTH);
    });
  }
  return rows.map((cells) => cells.map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat((widths[i] ?? 0) - [...c].length))).join(''));
}
