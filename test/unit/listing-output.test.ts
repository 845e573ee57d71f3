import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commandIo } from '../../src/cli/output.js';
import { listingOutput } from '../../src/commands/listing-output.js';
import { outputFormat, TAGS_FORMAT } from '../../src/commands/row-formats.js';
import { captureIo } from '../support/cli-io.js';

async function print(pages: string[][], json: boolean, format?: string): Promise<string> {
  const { cli, stdout } = captureIo();
  const out = listingOutput(
    {
      head: { name: 'r.io/a' },
      key: 'tags',
      json,
      format: outputFormat(format, TAGS_FORMAT),
      row: (t) => ({ Repository: 'r.io/a', Tag: t, Name: `r.io/a:${t}` }),
    },
    commandIo(cli),
  );
  for (const p of pages) await out.page(p);
  out.end();
  return stdout();
}

test('--json streamed page by page is byte for byte JSON.stringify(doc, null, 2), empty pages and an empty list included', async () => {
  for (const pages of [[], [[]], [['a']], [['a', 'b'], [], ['c']], [['"quoted"', 'new\nline']]]) {
    const all = pages.flat();
    assert.equal(await print(pages, true), `${JSON.stringify({ name: 'r.io/a', tags: all }, null, 2)}\n`, JSON.stringify(pages));
  }
});

test('text prints one name a line as pages come; a --format runs per row; a table aligns over every row', async () => {
  assert.equal(await print([['a', 'b'], ['c']], false), 'a\nb\nc\n');
  assert.equal(await print([['a'], ['b']], false, '{{.Name}}'), 'r.io/a:a\nr.io/a:b\n');
  assert.equal(
    await print([['a'], ['bbbbbbbbbbbbbb']], false, 'table {{.Tag}}\t{{.Name}}'),
    'TAG              NAME\na                r.io/a:a\nbbbbbbbbbbbbbb   r.io/a:bbbbbbbbbbbbbb\n',
  );
});
