/** Columns a second column must keep for its text, or the line is wrapped as a whole. */
const MIN_TEXT = 24;

/** A gap of two or more spaces after some text: where a help line's second column starts. */
const COLUMN = /^(\s*\S.*?\S?)( {2,})(?=\S)/;

/**
 * Wraps help text at `width` columns, as commander wraps its own option lists; our free text
 * (descriptions after the lists, examples) gets the same. A paragraph of prose with a line too long
 * is filled again as a whole; a line with a second column (`term  text`) continues under that column;
 * an example command line (`regctl …`) continues with ` \` so it can still be pasted into a shell;
 * other indented lines continue at their indent. A word longer than the line stays whole.
 */
export function wrapHelp(text: string, width: number): string {
  const lines = text.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; ) {
    let end = i;
    while (end < lines.length && isProse(lines[end] as string)) end++;
    if (end > i) {
      const paragraph = lines.slice(i, end);
      out.push(...(paragraph.some((l) => l.length > width) ? fill(paragraph.join(' '), width) : paragraph));
      i = end;
    } else {
      const line = lines[i] as string;
      out.push(line.length <= width ? line : wrapLine(line, width));
      i++;
    }
  }
  return out.join('\n');
}

/** A line of a paragraph: text at the left margin that is no command line, table row or heading. */
function isProse(line: string): boolean {
  return /^\S/.test(line) && !/^(regctl|docker) /.test(line) && !/\S {2,}\S/.test(line) && !/:$/.test(line);
}

function wrapLine(line: string, width: number): string {
  const lead = /^ */.exec(line)?.[0] ?? '';
  const column = COLUMN.exec(line);
  const columnAt = column ? (column[1] ?? '').length + (column[2] ?? '').length : 0;
  if (column && columnAt > lead.length && columnAt <= width - MIN_TEXT) {
    const head = line.slice(0, columnAt);
    const rest = fill(line.slice(columnAt), width - columnAt);
    return rest.map((l, i) => (i === 0 ? head : ' '.repeat(columnAt)) + l).join('\n');
  }
  if (/^(regctl|docker) /.test(line.slice(lead.length))) {
    const indent = `${lead}    `;
    const parts = fill(line.slice(lead.length), width - indent.length - 2, width - lead.length - 2);
    return parts.map((l, i) => `${i === 0 ? lead : indent}${l}${i < parts.length - 1 ? ' \\' : ''}`).join('\n');
  }
  return fill(line.slice(lead.length), width - lead.length)
    .map((l) => lead + l)
    .join('\n');
}

/** Breaks `text` into lines of at most `width` characters (`first` for the first line) at spaces. */
function fill(text: string, width: number, first = width): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(' ').filter((w) => w !== '')) {
    const limit = lines.length === 0 ? first : width;
    if (current && current.length + 1 + word.length > limit) {
      lines.push(current);
      current = word;
    } else {
      current = current ? `${current} ${word}` : word;
    }
  }
  if (current || lines.length === 0) lines.push(current);
  return lines;
}
