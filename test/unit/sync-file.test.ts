import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { RegctlError } from '../../src/errors.js';
import { readSyncFile } from '../../src/sync/sync-file.js';

const dir = mkdtempSync(join(tmpdir(), 'regctl-sync-file-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function file(text: string, ext = 'yaml'): string {
  const path = join(dir, `f${n++}.${ext}`);
  writeFileSync(path, text);
  return path;
}

/** Asserts a usage error (exit 2) whose message is exactly `message` with FILE standing for the path. */
async function rejects(text: string, message: string, ext = 'yaml'): Promise<void> {
  const path = file(text, ext);
  await assert.rejects(readSyncFile(path), (err: unknown) => {
    assert.ok(err instanceof RegctlError, String(err));
    assert.equal(err.exitCode, 2);
    assert.equal(err.message, message.replace('FILE', path));
    return true;
  });
}

const SPEC_EXAMPLE = `defaults: { platforms: [linux/amd64, linux/arm64], referrers: true, concurrency: 4 }
sync:
  - source: docker.io/library/alpine
    target: registry.corp.example/mirror/alpine
    tags: { semver: ">=3.18", allow: ["^latest$"], deny: ["-rc"] }
  - source: ghcr.io/org/app:1.4.2
    target: oci:/srv/airgap/app
`;

test("SPEC §7's example file reads as two items, defaults applied", async () => {
  const items = await readSyncFile(file(SPEC_EXAMPLE));
  assert.equal(items.length, 2);
  const [alpine, app] = items as [(typeof items)[0], (typeof items)[0]];
  assert.deepEqual(alpine.source, { registry: 'docker.io', repository: 'library/alpine' });
  assert.deepEqual(alpine.target, { kind: 'registry', ref: { registry: 'registry.corp.example', repository: 'mirror/alpine' } });
  assert.deepEqual(alpine.tags, { semver: '>=3.18', allow: ['^latest$'], deny: ['-rc'] });
  assert.deepEqual(alpine.platforms, [
    { os: 'linux', architecture: 'amd64' },
    { os: 'linux', architecture: 'arm64' },
  ]);
  assert.equal(alpine.referrers, true);
  assert.equal(alpine.concurrency, 4);
  assert.match(alpine.origin, /:3$/);
  assert.deepEqual(app.source, { registry: 'ghcr.io', repository: 'org/app', tag: '1.4.2' });
  assert.deepEqual(app.target, { kind: 'oci', dir: '/srv/airgap/app' });
  assert.equal(app.tags, undefined);
});

test('JSON files read the same (tabs and all)', async () => {
  const items = await readSyncFile(
    file('{\n\t"sync": [\n\t\t{"source": "localhost:5000/a", "target": "oci:out", "tags": {"allow": ["^v"]}}\n\t]\n}\n', 'json'),
  );
  assert.deepEqual(
    items.map((i) => [i.source.repository, i.target.kind, i.tags]),
    [['a', 'oci', { allow: ['^v'] }]],
  );
});

test('a bad field names the file, its line and the field', async () => {
  await rejects(
    SPEC_EXAMPLE.replace('">=3.18"', '">=x.y.z"'),
    'invalid sync file FILE:5: sync[0].tags.semver: ">=x.y.z" is not a semver range (e.g. ">=3.18", "^1.2", "1.x")',
  );
  await rejects(
    SPEC_EXAMPLE.replace('deny: ["-rc"]', 'deny: ["-rc", "(oops"]'),
    'invalid sync file FILE:5: sync[0].tags.deny[1]: "(oops" is not a regular expression (/(oops/: Unterminated group)',
  );
  await rejects(
    SPEC_EXAMPLE.replace('    target: oci:/srv/airgap/app\n', '    target: oci:/srv/airgap/app\n    tag: [v1]\n'),
    'invalid sync file FILE:8: sync[1].tag: unknown field',
  );
  await rejects(SPEC_EXAMPLE.replace('concurrency: 4', 'concurrency: "4"'), 'invalid sync file FILE:1: defaults.concurrency: expected a number');
  await rejects(SPEC_EXAMPLE.replace('concurrency: 4', 'concurrency: 0'), 'invalid sync file FILE:1: defaults.concurrency: must be at least 1');
  await rejects(SPEC_EXAMPLE.replace('    target: registry.corp.example/mirror/alpine\n', ''), 'invalid sync file FILE:3: sync[0].target: is required');
  await rejects(
    SPEC_EXAMPLE.replace('linux/arm64]', 'linux]'),
    'invalid sync file FILE:1: defaults.platforms[1]: invalid platform "linux": expected os/arch[/variant], e.g. linux/amd64 or linux/arm64/v8',
  );
  await rejects(
    SPEC_EXAMPLE.replace('docker.io/library/alpine', 'docker.io/library/Alpine'),
    'invalid sync file FILE:3: sync[0].source: invalid reference "docker.io/library/Alpine": repository name must be lowercase',
  );
  await rejects('sync: []\n', 'invalid sync file FILE:1: sync: must list at least one entry');
  await rejects('- a\n- b\n', 'invalid sync file FILE:1: (top level): expected a mapping');
  await rejects('defaults: {}\n', 'invalid sync file FILE:1: sync: is required');
});

test('items that cannot mean one thing are refused at their field', async () => {
  await rejects(
    'sync:\n  - source: localhost:5000/a\n    target: localhost:6000/b:v1\n',
    'invalid sync file FILE:3: sync[0].target: "localhost:6000/b:v1" names one image, but the source localhost:5000/a is a repository of many tags: give a repository (or oci:DIR)',
  );
  await rejects(
    'sync:\n  - source: localhost:5000/a:v1\n    target: localhost:6000/b\n    tags: { allow: [x] }\n',
    'invalid sync file FILE:4: sync[0].tags: tag rules need a repository source, but localhost:5000/a:v1 names one image',
  );
  await rejects(
    `sync:\n  - source: localhost:5000/a\n    target: localhost:6000/b@sha256:${'a'.repeat(64)}\n`,
    `invalid sync file FILE:3: sync[0].target: "localhost:6000/b@sha256:${'a'.repeat(64)}" names one image, but the source localhost:5000/a is a repository of many tags: give a repository (or oci:DIR) (and 1 more problem)`,
  );
  await rejects(
    'sync:\n  - source: oci:./x\n    target: localhost:6000/b\n',
    'invalid sync file FILE:2: sync[0].source: a sync source is a registry repository or image, not "oci:./x" (copy reads oci: directories)',
  );
});

test('YAML syntax errors and unreadable files', async () => {
  await rejects(
    'sync:\n  - source: a\n    target: [b\n',
    'invalid sync file FILE:4:1: Flow sequence in block collection must be sufficiently indented and end with a ]',
  );
  await rejects('sync:\n  - source: a\n    source: b\n    target: c\n', 'invalid sync file FILE:3:5: Map keys must be unique');
  await assert.rejects(readSyncFile(join(dir, 'missing.yaml')), /^RegctlError: cannot read sync file .*missing\.yaml: no such file$/);
});
