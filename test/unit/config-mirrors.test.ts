import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, registryMirrors } from '../../src/config/config.js';
import { parseMirror } from '../../src/config/mirror.js';
import { RegctlError } from '../../src/errors.js';

test("mirror entries: host[:port] and docker's URL form", () => {
  assert.deepEqual(parseMirror('mirror.internal:5000'), { host: 'mirror.internal:5000' });
  assert.deepEqual(parseMirror('Mirror.Internal'), { host: 'mirror.internal' });
  assert.deepEqual(parseMirror('https://mirror.internal'), { host: 'mirror.internal', scheme: 'https' });
  assert.deepEqual(parseMirror('https://mirror.gcr.io/'), { host: 'mirror.gcr.io', scheme: 'https' });
  assert.deepEqual(parseMirror('http://127.0.0.1:6302'), { host: '127.0.0.1:6302', scheme: 'http' });
  assert.deepEqual(parseMirror('http://[::1]:5000'), { host: '[::1]:5000', scheme: 'http' });
});

test('mirror entries with a path, query, fragment, user info or another scheme are refused without repeating them', () => {
  const table: Array<[string, RegExp]> = [
    ['https://mirror.internal/v2', /path/],
    ['mirror.internal:5000/docker', /path/],
    ['https://mirror.internal?x=1', /query/],
    ['https://mirror.internal#top', /fragment/],
    ['https://bob:hunter2@mirror.internal', /user name or password/],
    ['bob:hunter2@mirror.internal:5000', /user name or password/],
    ['ftp://mirror.internal', /scheme ftp is not supported/],
    ['https://', /host|must be/],
  ];
  for (const [entry, reason] of table) {
    const parsed = parseMirror(entry);
    assert.ok('error' in parsed, `${entry} accepted`);
    assert.match(parsed.error, reason, entry);
    assert.ok(!parsed.error.includes('hunter2'));
  }
});

test('loadConfig names the field of a bad mirror, exit 2, and never prints a mirror password', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'regctl-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const write = (doc: unknown): void => writeFileSync(join(dir, 'config.json'), JSON.stringify(doc));
  return (async () => {
    write({ registries: { 'docker.io': { mirrors: ['mirror.ok:5000', 'https://bob:hunter2@mirror.internal/path'] } } });
    await assert.rejects(loadConfig(dir), (err: unknown) => {
      assert.ok(err instanceof RegctlError && err.kind === 'usage' && err.exitCode === 2, String(err));
      assert.match(err.message, / is invalid at registries\.docker\.io\.mirrors\[1\]: mirror must not hold a user name or password/);
      assert.ok(!err.message.includes('hunter2'), err.message);
      return true;
    });
    write({ registries: { 'docker.io': { mirrors: ['https://mirror.internal/v2/'] } } });
    await assert.rejects(loadConfig(dir), /registries\.docker\.io\.mirrors\[0\]: mirror must not have a path/);
    write({ registries: { 'docker.io': { mirrors: ['https://mirror.internal', 'http://127.0.0.1:6302', 'mirror.b:5000'] } } });
    const config = await loadConfig(dir);
    assert.deepEqual(registryMirrors(config, 'docker.io'), [
      { host: 'mirror.internal', scheme: 'https' },
      { host: '127.0.0.1:6302', scheme: 'http' },
      { host: 'mirror.b:5000' },
    ]);
    assert.deepEqual(registryMirrors(config, 'ghcr.io'), []);
  })();
});
