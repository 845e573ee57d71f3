import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RegctlError } from '../../src/errors.js';
import { formatLocation, parseLocation, type Location } from '../../src/ref/location.js';

const SHA = `sha256:${'a'.repeat(64)}`;
const SHA512 = `sha512:${'b'.repeat(128)}`;

const valid: [string, Location, string][] = [
  ['oci:/tmp/x', { kind: 'oci', dir: '/tmp/x' }, 'oci:/tmp/x'],
  ['oci:/tmp/x:latest', { kind: 'oci', dir: '/tmp/x', ref: 'latest' }, 'oci:/tmp/x:latest'],
  ['oci:rel/dir:V1.2_x', { kind: 'oci', dir: 'rel/dir', ref: 'V1.2_x' }, 'oci:rel/dir:V1.2_x'],
  [`oci:/tmp/x@${SHA}`, { kind: 'oci', dir: '/tmp/x', ref: SHA }, `oci:/tmp/x@${SHA}`],
  [`oci:/tmp/x@${SHA512}`, { kind: 'oci', dir: '/tmp/x', ref: SHA512 }, `oci:/tmp/x@${SHA512}`],
  // A digest written after ":" is the same location as the "@" form.
  [`oci:/tmp/x:${SHA}`, { kind: 'oci', dir: '/tmp/x', ref: SHA }, `oci:/tmp/x@${SHA}`],
  // A full name inside the layout may contain ":": the directory ends at the first ":".
  ['oci:/tmp/x:example.com/app:v1', { kind: 'oci', dir: '/tmp/x', ref: 'example.com/app:v1' }, 'oci:/tmp/x:example.com/app:v1'],
  [
    'oci:/tmp/x:docker.io/library/node:latest',
    { kind: 'oci', dir: '/tmp/x', ref: 'docker.io/library/node:latest' },
    'oci:/tmp/x:docker.io/library/node:latest',
  ],
  [`oci:/tmp/x:node@${SHA}`, { kind: 'oci', dir: '/tmp/x', ref: `node@${SHA}` }, `oci:/tmp/x:node@${SHA}`],
  ['oci:./Layout Dir/with spaces:tag', { kind: 'oci', dir: './Layout Dir/with spaces', ref: 'tag' }, 'oci:./Layout Dir/with spaces:tag'],
  ['oci:/tmp/a@b', { kind: 'oci', dir: '/tmp/a@b' }, 'oci:/tmp/a@b'],
  // Windows drive letters are part of the directory.
  ['oci:C:\\images\\x', { kind: 'oci', dir: 'C:\\images\\x' }, 'oci:C:\\images\\x'],
  ['oci:C:\\images\\x:v1', { kind: 'oci', dir: 'C:\\images\\x', ref: 'v1' }, 'oci:C:\\images\\x:v1'],
  ['oci:d:/images/x:v1', { kind: 'oci', dir: 'd:/images/x', ref: 'v1' }, 'oci:d:/images/x:v1'],
  [`oci:C:\\images\\x@${SHA}`, { kind: 'oci', dir: 'C:\\images\\x', ref: SHA }, `oci:C:\\images\\x@${SHA}`],
  ['node', { kind: 'registry', ref: { registry: 'docker.io', repository: 'library/node', tag: 'latest' } }, 'docker.io/library/node:latest'],
  ['localhost:5000/a/b:c', { kind: 'registry', ref: { registry: 'localhost:5000', repository: 'a/b', tag: 'c' } }, 'localhost:5000/a/b:c'],
  [`ghcr.io/a/b@${SHA}`, { kind: 'registry', ref: { registry: 'ghcr.io', repository: 'a/b', digest: SHA } }, `ghcr.io/a/b@${SHA}`],
  // Only the exact prefix "oci:" selects a layout.
  ['ocix/app', { kind: 'registry', ref: { registry: 'docker.io', repository: 'ocix/app', tag: 'latest' } }, 'docker.io/ocix/app:latest'],
];

for (const [input, expected, formatted] of valid) {
  test(`parseLocation ${input}`, () => {
    const loc = parseLocation(input);
    assert.deepEqual(loc, expected);
    assert.equal(formatLocation(loc), formatted);
    assert.deepEqual(parseLocation(formatLocation(loc)), loc);
  });
}

const invalid: [string, string][] = [
  ['oci:', 'invalid location "oci:": missing directory (write oci:DIR[:REF])'],
  ['oci::tag', 'invalid location "oci::tag": missing directory (write oci:DIR[:REF])'],
  [`oci:@${SHA}`, `invalid location "oci:@${SHA}": missing directory (write oci:DIR[:REF])`],
  ['oci:/tmp/x:', 'invalid location "oci:/tmp/x:": empty reference after ":"'],
  ['oci:/tmp/x:bad tag', 'invalid location "oci:/tmp/x:bad tag": invalid reference "bad tag"'],
  ['oci:/tmp/x:-tag', 'invalid location "oci:/tmp/x:-tag": invalid reference "-tag"'],
  ['oci:/tmp/x@sha256:abcd', 'invalid location "oci:/tmp/x@sha256:abcd": invalid digest "sha256:abcd" (expected sha256:<64 hex> or sha512:<128 hex>)'],
  ['Node', 'invalid reference "Node": repository name must be lowercase'],
  ['', 'invalid reference "": repository name must have at least one component'],
];

for (const [input, message] of invalid) {
  test(`parseLocation rejects ${JSON.stringify(input)}`, () => {
    assert.throws(
      () => parseLocation(input),
      (err: unknown) => {
        assert.ok(err instanceof RegctlError);
        assert.equal(err.kind, 'usage');
        assert.equal(err.message, message);
        return true;
      },
    );
  });
}
