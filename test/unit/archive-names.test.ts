import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RegctlError } from '../../src/errors.js';
import { blobEntryName, blobNameDigest, isRootEntry, linkTarget, normalizeEntryName, parentNames } from '../../src/archive/entry-names.js';

const refused = (fn: () => unknown, re: RegExp): void => {
  assert.throws(fn, (err: unknown) => err instanceof RegctlError && err.kind === 'usage' && err.exitCode === 2 && re.test(err.message));
};

test('entry names are normalized for matching', () => {
  assert.equal(normalizeEntryName('./manifest.json'), 'manifest.json');
  assert.equal(normalizeEntryName('blobs//sha256/./abc'), 'blobs/sha256/abc');
  assert.equal(normalizeEntryName('blobs/sha256/'), 'blobs/sha256');
});

test('absolute, parent and empty names are refused', () => {
  refused(() => normalizeEntryName('/etc/passwd'), /absolute path/);
  refused(() => normalizeEntryName('C:\\evil'), /absolute path/);
  refused(() => normalizeEntryName('../evil'), /"\.\." path component/);
  refused(() => normalizeEntryName('a/b/../../../evil'), /"\.\." path component/);
  refused(() => normalizeEntryName('a\\..\\..\\evil'), /"\.\." path component/);
  refused(() => normalizeEntryName('./'), /empty name/);
  refused(() => normalizeEntryName('./../evil'), /"\.\." path component/);
  refused(() => normalizeEntryName('./blobs/../../evil'), /"\.\." path component/);
});

test('the archive root entry that tar -C DIR -cf X.tar . writes is recognised, and only it', () => {
  for (const root of ['./', '.', './/', '././']) assert.equal(isRootEntry(root), true, root);
  for (const other of ['/', '', '..', '../', './a', '/.', 'a/.']) assert.equal(isRootEntry(other), false, other);
});

test('symlinks resolve from their directory, hard links from the root, and never leave the archive', () => {
  assert.equal(linkTarget('abc/layer.tar', '../def.tar', 'symlink'), 'def.tar');
  assert.equal(linkTarget('abc/layer.tar', 'def/layer.tar', 'link'), 'def/layer.tar');
  refused(() => linkTarget('abc/layer.tar', '../../x', 'symlink'), /points outside/);
  refused(() => linkTarget('x', '/etc/passwd', 'symlink'), /absolute path/);
  refused(() => linkTarget('x', '../etc/passwd', 'link'), /points outside/);
  refused(() => linkTarget('a/x', '..', 'symlink'), /points outside/);
  refused(() => linkTarget('x', '', 'symlink'), /empty target/);
});

test('blob names map to digests and back; other names do not', () => {
  const hex = 'a'.repeat(64);
  assert.equal(blobNameDigest(`blobs/sha256/${hex}`), `sha256:${hex}`);
  assert.equal(blobNameDigest(`blobs/sha512/${'b'.repeat(128)}`), `sha512:${'b'.repeat(128)}`);
  assert.equal(blobNameDigest(`blobs/sha256/${hex.slice(1)}`), undefined);
  assert.equal(blobNameDigest(`blobs/sha256/${hex.toUpperCase()}`), undefined);
  assert.equal(blobNameDigest('abc/layer.tar'), undefined);
  assert.equal(blobEntryName(`sha256:${hex}`), `blobs/sha256/${hex}`);
  assert.deepEqual(parentNames('a/b/c'), ['a', 'a/b']);
});
