import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StagedArchive, type StagedFile } from '../../src/archive/stage-archive.js';
import type { LayoutStore } from '../../src/layout/layout-store.js';
import { RegctlError } from '../../src/errors.js';

const file = (name: string): { kind: 'file'; file: StagedFile } => ({ kind: 'file', file: { name, bytes: Buffer.alloc(0), digest: 'sha256:x', size: 0 } });

function refused(fn: () => void, message: string): void {
  assert.throws(fn, (err: unknown) => err instanceof RegctlError && err.exitCode === 2 && err.message === `invalid archive: ${message}`);
}

test('a link may not take the name of a directory earlier entries lie in, nor may an entry lie under a link', () => {
  const staged = new StagedArchive({} as LayoutStore);
  staged.add('x/y/z', file('x/y/z'));
  staged.add('x/w', file('x/w'));
  refused(() => staged.add('x/y', { kind: 'link', target: 'elsewhere' }), 'link "x/y" would redirect the earlier entry "x/y/z"');
  refused(() => staged.add('x', { kind: 'link', target: 'elsewhere' }), 'link "x" would redirect the earlier entry "x/y/z"');
  staged.add('l', { kind: 'link', target: 'x/w' });
  refused(() => staged.add('l/a', file('l/a')), 'entry "l/a" goes through the link "l"');
  refused(() => staged.add('x/w', file('x/w')), 'duplicate entry "x/w"');
  assert.equal(staged.file('l')?.name, 'x/w');
});
