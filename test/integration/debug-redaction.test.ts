import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../support/cli.js';
import { startFaultyRegistry, type FaultyRegistry } from '../support/faulty-registry.js';
import { runReliably as runCli } from '../support/no-internal-error.js';

/** Every secret value the faulty registry's storage redirect and cookie carry. */
const SECRETS = [
  'gsa-secret-credential',
  '0123456789abcdefgoogsignaturesecret',
  'AKIASECRETCREDENTIAL',
  'amz-session-token-secret',
  'amzsignaturesecret',
  'azure-sas-signature-secret',
  '2030-01-01',
  'sp=r',
  'dockerhub-verify-secret',
  'cookie-secret-value',
];

describe('--debug never prints a secret', () => {
  let registry: FaultyRegistry;
  const work = tempDir('regctl-debug-redaction-');
  before(async () => {
    registry = await startFaultyRegistry({ seed: 'debug-redaction', redirectBlobs: true });
  });
  after(async () => {
    await registry.close();
    work.remove();
  });

  it('a pull whose blobs redirect to signed storage URLs (GCS, S3, Azure, Docker Hub CDN) with a Set-Cookie', async () => {
    const r = await runCli(['--cache-dir', join(work.dir, 'cache'), '--debug', 'pull', `${registry.host}/team/app:v1`]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(registry.storageRequests.length > 0, 'the blobs came from the storage host');
    assert.ok(
      registry.storageRequests.every((q) => q.url.includes('X-Goog-Signature=0123456789abcdefgoogsignaturesecret')),
      'the storage host got its signed URL whole',
    );
    for (const secret of SECRETS) assert.ok(!r.stderr.includes(secret), `--debug printed ${secret}`);
    assert.match(
      r.stderr,
      /^debug: < location: http:\/\/localhost:\d+\/blobs\/sha256:[a-f0-9]{64}\?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=\[redacted\]/m,
    );
    assert.match(r.stderr, /^debug: < set-cookie: session=\[redacted\]; Path=\/$/m);
    assert.match(r.stderr, /^debug: > GET http:\/\/localhost:\d+\/blobs\/sha256:[a-f0-9]{64}\?.*X-Goog-Signature=\[redacted\]/m);
  });

  it('a mirror written with a password is refused (exit 2) without printing it, --debug or not', async () => {
    const config = join(work.dir, 'config');
    mkdirSync(config, { recursive: true });
    writeFileSync(
      join(config, 'config.json'),
      JSON.stringify({ registries: { 'docker.io': { mirrors: [`http://mirror-user:mirror-pa55word@${registry.host}`] } } }),
    );
    const r = await runCli(['--cache-dir', join(work.dir, 'cache'), '--config', config, '--debug', 'pull', 'alpine']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /mirrors\[0\]: mirror must not hold a user name or password/);
    assert.ok(!r.stderr.includes('mirror-pa55word') && !r.stdout.includes('mirror-pa55word'));
  });
});
