import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { z } from 'zod';
import { RegctlError } from '../../src/errors.js';
import { discard } from '../../src/util/discard.js';
import { readJsonFile } from '../../src/util/read-json-file.js';
import { writeFileAtomic } from '../../src/util/write-file-atomic.js';

const Schema = z.looseObject({ name: z.string(), items: z.array(z.number()).optional() });

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'regctl-util-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function failsWith(kind: string, message: RegExp | string): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof RegctlError, String(err));
    assert.equal(err.kind, kind);
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  };
}

test('readJsonFile: absent, empty, valid, and one-line errors that name the file and field but quote nothing', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'f.json');
  assert.equal(await readJsonFile(file, Schema, { label: 'test file' }), undefined);
  assert.equal(await readJsonFile(join(file, 'below-a-file'), Schema, { label: 'test file' }), undefined, 'ENOTDIR is absent by default');
  await writeFile(file, ' \n');
  assert.deepEqual(await readJsonFile(file, Schema, { label: 'test file', empty: { name: 'none' } }), { name: 'none' });
  await assert.rejects(readJsonFile(file, Schema, { label: 'test file' }), failsWith('usage', `test file ${file} is not valid JSON`));
  await writeFile(file, '{"name": "hunter2-secret", "items": [1, ');
  await assert.rejects(
    readJsonFile(file, Schema, { label: 'test file', remedy: '; fix it' }),
    failsWith('usage', `test file ${file} is not valid JSON; fix it`),
  );
  await writeFile(file, JSON.stringify({ name: 'hunter2-secret', items: [1, 'two'] }));
  await assert.rejects(readJsonFile(file, Schema, { label: 'test file', kind: 'failed' }), (err: unknown) => {
    failsWith('failed', new RegExp(`^test file ${file} is invalid at items\\[1\\]: `))(err);
    assert.doesNotMatch((err as Error).message, /hunter2/);
    return true;
  });
  await writeFile(file, '[]');
  await assert.rejects(readJsonFile(file, Schema, { label: 'test file' }), failsWith('usage', /is invalid at \(top level\): /));
  await writeFile(file, JSON.stringify({ name: 'x', extra: true }));
  assert.deepEqual(await readJsonFile(file, Schema, { label: 'test file' }), { name: 'x', extra: true });
  await assert.rejects(
    readJsonFile(join(file, 'x'), Schema, { label: 'test file', absent: ['ENOENT'] }),
    failsWith('usage', /^cannot read test file .*: ENOTDIR$/),
  );
});

test('writeFileAtomic: replaces whole, keeps with exclusive, honours mode, streams, and leaves no temp file behind', async (t) => {
  const dir = await tempDir(t);
  const dest = join(dir, 'out.json');
  assert.equal(await writeFileAtomic(dest, 'one'), true);
  assert.equal(await writeFileAtomic(dest, Buffer.from('two')), true);
  assert.equal(await readFile(dest, 'utf8'), 'two');
  assert.equal(await writeFileAtomic(dest, 'three', { exclusive: true }), false);
  assert.equal(await readFile(dest, 'utf8'), 'two', 'exclusive keeps an existing file');
  const secret = join(dir, 'secret.json');
  await writeFileAtomic(secret, '{}', { mode: 0o600 });
  if (process.platform !== 'win32') assert.equal((await stat(secret)).mode & 0o777, 0o600);
  const streamed = join(dir, 'streamed.bin');
  await writeFileAtomic(streamed, async (out) => {
    out.write('a');
    await new Promise<void>((resolve) => out.end('b', () => resolve()));
  });
  assert.equal(await readFile(streamed, 'utf8'), 'ab');
  await assert.rejects(
    writeFileAtomic(join(dir, 'failed.bin'), async () => {
      throw new RegctlError('integrity', 'the content went wrong');
    }),
    failsWith('integrity', 'the content went wrong'),
  );
  assert.deepEqual((await readdir(dir)).sort(), ['out.json', 'secret.json', 'streamed.bin'], 'no temp file and no partial destination');
  const nowhere = join(dir, 'missing-dir', 'x.json');
  await assert.rejects(
    writeFileAtomic(nowhere, 'x', { label: 'test file', createKind: 'usage' }),
    failsWith('usage', new RegExp(`^cannot write test file ${nowhere}: ENOENT`)),
  );
  await assert.rejects(writeFileAtomic(nowhere, 'x'), failsWith('failed', new RegExp(`^cannot write ${nowhere}: ENOENT`)));
});

test('discard lets a body go and swallows its late error', async () => {
  const body = new PassThrough();
  discard({ body });
  body.write('bytes nobody reads');
  body.destroy(new Error('reset after the status line'));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(body.destroyed, true);
});
