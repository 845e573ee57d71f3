import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../../src/cli/run-cli.js';
import { loadConfig } from '../../src/config/config.js';
import { RegctlError } from '../../src/errors.js';
import { captureIo } from '../support/cli-io.js';

// A bad config.json is a usage error (exit 2) whose one line names the file and the field.
const BAD: [doc: string, problem: string][] = [
  ['{"registries": {"localhost:5000": {"insecure": "yes"}}}', 'registries.localhost:5000.insecure: Invalid input: expected boolean, received string'],
  ['{"registries": {"r.example": {"clientCert": 5}}}', 'registries.r.example.clientCert: Invalid input: expected string, received number'],
  ['{"registries": {"r.example": {"insecure": true, "tls": false}}}', 'registries.r.example: Unrecognized key: "tls"'],
  ['{"registries": {"r.example": {"mirrors": "m:5000"}}}', 'registries.r.example.mirrors: Invalid input: expected array, received string'],
  ['{"registries": []}', 'registries: Invalid input: expected record, received array'],
  ['{"registry": {}}', '(top level): Unrecognized key: "registry"'],
  ['{"concurrency": 0}', 'concurrency: Too small: expected number to be >=1'],
  ['{"concurrency": 1.5}', 'concurrency: Invalid input: expected int, received number'],
  ['{"credentialStore": "vault"}', 'credentialStore: Invalid option: expected one of "keychain"|"file"|"docker"'],
  ['[]', '(top level): Invalid input: expected object, received array'],
];

test('loadConfig: each bad field is one usage error naming the file and the field', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'regctl-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'config.json');
  for (const [doc, problem] of BAD) {
    writeFileSync(file, doc);
    await assert.rejects(loadConfig(dir), (err: unknown) => {
      assert.ok(err instanceof RegctlError, String(err));
      assert.equal(err.exitCode, 2);
      assert.equal(err.message, `config file ${file} is invalid at ${problem}`, doc);
      return true;
    });
  }
  writeFileSync(file, '{"registries": {');
  await assert.rejects(
    loadConfig(dir),
    (err: unknown) => err instanceof RegctlError && err.exitCode === 2 && err.message === `config file ${file} is not valid JSON`,
  );
  rmSync(file);
  assert.deepEqual(await loadConfig(dir), {}, 'a missing file is an empty config');
  writeFileSync(
    file,
    JSON.stringify({
      registries: { 'r.example': { insecure: true, ca: '/ca.pem', clientCert: '/c.crt', clientKey: '/c.key', mirrors: ['m:5000'], credentialStore: 'file' } },
      credentialStore: 'docker',
      concurrency: 8,
    }),
  );
  assert.equal((await loadConfig(dir)).concurrency, 8, 'every documented field is accepted');
});

test('regctl with a bad config: exit 2, one line on stderr, nothing on stdout', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'regctl-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'config.json'), '{"registries": {"localhost:5000": {"insecure": "yes"}}}');
  const io = captureIo({ env: { REGCTL_CONFIG_DIR: dir, REGCTL_CACHE: join(dir, 'cache') } });
  assert.equal(await runCli(['images'], io.cli), 2);
  assert.equal(
    io.stderr(),
    `Error: config file ${join(dir, 'config.json')} is invalid at registries.localhost:5000.insecure: Invalid input: expected boolean, received string\n`,
  );
  assert.equal(io.stdout(), '');
});
