import { test } from 'node:test';
import assert from 'node:assert/strict';
import { namingErrors } from '../../src/commands/name-errors.js';
import { DigestMismatchError, RegctlError, RegistryError, withSubject } from '../../src/errors.js';
import { parseRepository } from '../../src/ref/reference.js';
import { MirroredRepository } from '../../src/registry/mirrored.js';

const NAME = 'localhost:5000/team/app:v1';

async function caught(body: () => Promise<unknown>): Promise<RegctlError> {
  try {
    await body();
  } catch (err) {
    assert.ok(err instanceof RegctlError, String(err));
    return err;
  }
  assert.fail('no error');
}

test("namingErrors names the image once and keeps the error's class and data", async () => {
  const registry = new RegistryError('not-found', 'blob localhost:5000/team/app@sha256:aa not found', {
    status: 404,
    method: 'GET',
    url: 'http://localhost:5000/v2/team/app/blobs/sha256:aa',
    codes: ['BLOB_UNKNOWN'],
  });
  registry.reported = true;
  const named = await caught(() => namingErrors(NAME, () => Promise.reject(registry)));
  assert.ok(named instanceof RegistryError);
  assert.equal(named.message, `${NAME}: blob localhost:5000/team/app@sha256:aa not found`);
  assert.deepEqual(
    [named.kind, named.status, named.method, named.codes, named.reported, named.subject, named.exitCode],
    ['not-found', 404, 'GET', ['BLOB_UNKNOWN'], true, NAME, 3],
  );
  assert.equal(named.cause, registry);
  assert.match(named.stack ?? '', new RegExp(`^RegistryError: ${NAME}: blob`));

  const mismatch = await caught(() => namingErrors(NAME, () => Promise.reject(new DigestMismatchError('sha256:aa', 'sha256:bb', 'blob'))));
  assert.ok(mismatch instanceof DigestMismatchError);
  assert.deepEqual([mismatch.expected, mismatch.actual, mismatch.kind], ['sha256:aa', 'sha256:bb', 'integrity']);

  // The subject, not the message text, decides: an error about this very image is left as it is.
  const about = withSubject(new RegctlError('not-found', `manifest ${NAME} not found`), NAME) as RegctlError;
  assert.equal(await caught(() => namingErrors(NAME, () => Promise.reject(about))), about);
  const mentions = new RegctlError('failed', `text that happens to contain ${NAME}`);
  assert.equal((await caught(() => namingErrors(NAME, () => Promise.reject(mentions)))).message, `${NAME}: text that happens to contain ${NAME}`);
  const plain = new Error('not ours');
  await assert.rejects(
    namingErrors(NAME, () => Promise.reject(plain)),
    (err) => err === plain,
  );
});

test('withSubject marks only RegctlErrors and keeps a subject already set', () => {
  const err = new RegctlError('failed', 'x', { subject: 'a' });
  assert.equal((withSubject(err, 'b') as RegctlError).subject, 'a');
  assert.equal((withSubject(new RegctlError('failed', 'y'), 'b') as RegctlError).subject, 'b');
  const other = new Error('z');
  assert.equal(withSubject(other, 'b'), other);
});

test('parseRepository names a repository in its errors without rewording a reference error', () => {
  assert.throws(() => parseRepository('Team/App'), { message: 'invalid repository "Team/App": repository name must be lowercase' });
  assert.throws(() => parseRepository('team/app:v1'), { message: 'invalid repository "team/app:v1": a repository name takes no tag or digest' });
});

test('MirroredRepository without candidates is an internal RegctlError', () => {
  assert.throws(
    () => new MirroredRepository([]),
    (err: unknown) => err instanceof RegctlError && err.kind === 'internal',
  );
});
