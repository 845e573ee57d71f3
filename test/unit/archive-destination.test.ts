import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RegctlError } from '../../src/errors.js';
import { archiveDestination } from '../../src/commands/save.js';

test('save writes to -o FILE whatever stdout is', () => {
  assert.deepEqual(archiveDestination('out.tar', true), { kind: 'file', path: 'out.tar' });
  assert.deepEqual(archiveDestination('out.tar', false), { kind: 'file', path: 'out.tar' });
});

test('save writes to stdout for -o - or no -o when stdout is not a terminal', () => {
  assert.deepEqual(archiveDestination('-', false), { kind: 'stdout' });
  assert.deepEqual(archiveDestination(undefined, false), { kind: 'stdout' });
});

test('save refuses to write an archive to a terminal (usage error, exit 2)', () => {
  for (const output of [undefined, '-']) {
    assert.throws(
      () => archiveDestination(output, true),
      (err: unknown) =>
        err instanceof RegctlError && err.exitCode === 2 && err.message === 'refusing to write an archive to a terminal; use -o FILE or redirect stdout',
    );
  }
});
