import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../support/cli.js';
import { startHostileBlobRegistry, type BlobMisbehaviour } from '../support/hostile-blobs.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('copy: errors blame the party that failed (issue 12 item 12)', () => {
  let dst: RunningRegistry;
  before(async () => {
    dst = await startRegistry({ mode: 'open' });
  });
  after(async () => {
    await dst.stop();
  });

  const cases: Array<{ mode: BlobMisbehaviour; exit: number; line: (src: string) => RegExp }> = [
    {
      mode: 'cut',
      exit: 5,
      line: (src) =>
        new RegExp(`^Error: ${esc(src)}/team/app:v1: network error talking to ${esc(src)}: the connection was closed before the whole body arrived$`),
    },
    {
      mode: 'wrong-bytes',
      exit: 1,
      line: (src) =>
        new RegExp(
          `^Error: ${esc(src)}/team/app:v1: blob sha256:[0-9a-f]{64} sent by the source does not match its digest \\(the destination answered 400 DIGEST_INVALID\\)$`,
        ),
    },
    { mode: 'length-smaller', exit: 1, line: (src) => new RegExp(`^Error: ${esc(src)}/team/app:v1: blob sha256:[0-9a-f]{64} is truncated`) },
  ];
  for (const c of cases) {
    it(`a source that sends ${c.mode === 'cut' ? 'a cut-off body' : c.mode === 'wrong-bytes' ? 'wrong bytes' : 'fewer bytes than it said'}: the source is named, not the destination (exit ${c.exit})`, async (t) => {
      const src = await startHostileBlobRegistry(c.mode);
      t.after(() => src.close());
      const r = await runCli(['copy', `${src.host}/team/app:v1`, `${dst.host}/team/app:v1`]);
      assert.equal(r.code, c.exit, r.stderr);
      const errors = r.stderr.split('\n').filter((l) => l.startsWith('Error:'));
      assert.equal(errors.length, 1, r.stderr);
      assert.match(errors[0] as string, c.line(src.host));
      assert.ok(!(errors[0] as string).includes(dst.host), 'the destination is blamed');
      // Nothing was named at the destination.
      const tags = await runCli(['tags', `${dst.host}/team/app`]);
      assert.notEqual(tags.code, 0, tags.stdout);
    });
  }
});
