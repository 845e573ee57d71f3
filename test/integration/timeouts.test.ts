import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli, tempDir } from '../support/cli.js';
import { startHostileBlobRegistry } from '../support/hostile-blobs.js';
import { sendJson, startScriptedServer } from '../support/scripted-server.js';

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The one `Error:` line of a failed run. */
function errorLine(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l.startsWith('Error:'));
  assert.equal(lines.length, 1, stderr);
  return lines[0] as string;
}

describe('regctl never hangs (SPEC §6 --timeout; issue 12 item 7)', () => {
  it('a blob body that stalls is retried from where it stopped, then fails with exit 5 naming the host', async (t) => {
    const h = await startHostileBlobRegistry('stall');
    const dir = tempDir('regctl-timeout-');
    t.after(async () => {
      await h.close();
      dir.remove();
    });
    const r = await runCli(['--timeout', '1s', 'pull', '--cache-dir', dir.dir, `${h.host}/team/app:v1`]);
    assert.equal(r.code, 5, r.stderr);
    assert.match(errorLine(r.stderr), new RegExp(`network error talking to ${esc(h.host)}: the response stalled: no data within the timeout \\(--timeout\\)$`));
    const gets = h.requests.filter((q) => q.url.endsWith(`/blobs/${h.layer.digest}`));
    assert.ok(gets.length > 1, 'retried');
    assert.ok(
      gets.slice(1).every((q) => /^bytes=[1-9]\d*-$/.test(String(q.headers.range))),
      'each retry asked for the rest only',
    );
  });

  it('the config\'s "timeout" (seconds) applies when no flag is given', async (t) => {
    const h = await startHostileBlobRegistry('stall-head');
    const dir = tempDir('regctl-timeout-');
    t.after(async () => {
      await h.close();
      dir.remove();
    });
    const config = join(dir.dir, 'config');
    mkdirSync(config);
    writeFileSync(join(config, 'config.json'), JSON.stringify({ timeout: 1 }));
    const r = await runCli(['pull', '--config', config, '--cache-dir', join(dir.dir, 'cache'), `${h.host}/team/app:v1`]);
    assert.equal(r.code, 5, r.stderr);
    assert.match(errorLine(r.stderr), new RegExp(`network error talking to ${esc(h.host)}: no response within the timeout`));
  });

  it('a token endpoint that never answers fails within the same bound, exit 5 naming it', async (t) => {
    const token = await startScriptedServer(() => {
      // never answers
    });
    const reg = await startScriptedServer((_req, res) =>
      sendJson(res, 401, { errors: [{ code: 'UNAUTHORIZED' }] }, { 'www-authenticate': `Bearer realm="${token.url}/token",service="test"` }),
    );
    const dir = tempDir('regctl-timeout-');
    t.after(async () => {
      await reg.close();
      await token.close();
      dir.remove();
    });
    const r = await runCli(['--timeout', '1', 'pull', '--cache-dir', dir.dir, `${reg.host}/team/app:v1`]);
    assert.equal(r.code, 5, r.stderr);
    assert.match(errorLine(r.stderr), new RegExp(`${esc(token.host)}.*no response within the timeout`));
  });

  it('--timeout takes durations and refuses nonsense (exit 2)', async () => {
    const r = await runCli(['--timeout', 'soon', 'pull', 'x']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--timeout.*must be a duration/);
  });
});
