import type { CliOutput } from './runner.js';

const HIDE_CURSOR = '\u001b[?25l';
const SHOW_CURSOR = '\u001b[?25h';
const CLEAR_DOWN = '\u001b[J';

/** Terminal rows `lines` take at `columns` (a line wider than the terminal wraps onto more rows). */
function rowsOf(lines: readonly string[], columns: number): number {
  let rows = 0;
  for (const l of lines) rows += Math.max(1, Math.ceil([...l].length / Math.max(1, columns)));
  return rows;
}

/**
 * The bottom of a terminal redrawn in place: each frame replaces the last (cursor up over its rows,
 * clear down, write), lines printed above it scroll away, the cursor is hidden while it lives.
 * Frames are drawn for the terminal's current width; after a resize the old frame is erased by the
 * rows it takes at the new width (terminals re-wrap what they show), so redraws stay clean.
 */
export class LiveArea {
  private last: string[] = [];
  private hidden = false;
  private closed = false;

  constructor(private readonly stream: CliOutput) {}

  /** The terminal's width now (80 when it does not say). */
  get columns(): number {
    return this.stream.columns && this.stream.columns > 0 ? this.stream.columns : 80;
  }

  private erase(): string {
    if (this.last.length === 0) return '';
    const rows = rowsOf(this.last, this.columns);
    return `\r${rows > 1 ? `\u001b[${rows - 1}A` : ''}${CLEAR_DOWN}`;
  }

  /** Replaces the frame with `lines` (each must fit the width). */
  draw(lines: readonly string[]): void {
    if (this.closed) return;
    const hide = this.hidden ? '' : HIDE_CURSOR;
    this.hidden = true;
    this.stream.write(`${hide}${this.erase()}${lines.join('\n')}`);
    this.last = [...lines];
  }

  /** Prints `line` above the frame, which is drawn again under it. */
  print(line: string): void {
    if (this.closed) {
      this.stream.write(`${line}\n`);
      return;
    }
    const frame = this.last;
    this.stream.write(`${this.erase()}${line}\n`);
    this.last = [];
    if (frame.length) this.draw(frame);
  }

  /**
   * Leaves the terminal as it was: `final` (the last frame, or nothing) stays on screen ended by a
   * newline, and the cursor is shown again. Safe to call twice (an interrupt during a stop).
   */
  close(final: readonly string[] | undefined): void {
    if (this.closed) return;
    this.closed = true;
    let out = this.erase();
    if (final?.length) out += `${final.join('\n')}\n`;
    if (this.hidden) out += SHOW_CURSOR;
    this.stream.write(out);
    this.last = [];
  }
}
