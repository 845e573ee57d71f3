import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LayoutStore } from '../../src/layout/layout-store.js';
import { isControlCode } from '../../src/util/terminal-text.js';
import { tempDir } from '../support/cli.js';
import { startFaultyRegistry, type FaultyRegistry } from '../support/faulty-registry.js';
import { runReliably as runCli } from '../support/no-internal-error.js';
import { buildRandomImage } from '../support/random-image.js';
import { packTar } from '../support/tar-entries.js';

/** Fails on any character a terminal would act on, other than the newline that ends each line. */
function assertNoControls(text: string, where: string): void {
  const found = [...text].find((c) => c !== '\n' && isControlCode(c.charCodeAt(0)));
  assert.equal(found, undefined, `${where} holds the raw control character U+${found?.charCodeAt(0).toString(16).padStart(4, '0')}: ${JSON.stringify(text)}`);
}

const EVIL_TAG = '\u001b[31mred\nx';
const EVIL_MESSAGE = '\u001b]0;pwned\u0007manifest\nunknown\u001b[2J\u009b31m';

describe('text from a registry or an archive reaches the terminal escaped', () => {
  let registry: FaultyRegistry;
  let failing: FaultyRegistry;
  const work = tempDir('regctl-injection-');
  before(async () => {
    registry = await startFaultyRegistry({ tags: { count: 0, names: ['v1', EVIL_TAG, 'v2\u0008\u0008\u0008ok'] } });
    failing = await startFaultyRegistry({ manifestError: EVIL_MESSAGE });
  });
  after(async () => {
    await registry.close();
    await failing.close();
    work.remove();
  });

  it('tags: a tag with an escape sequence and a newline is printed escaped, on one line of its own', async () => {
    const r = await runCli(['--cache-dir', work.dir, 'tags', `${registry.host}/team/app`]);
    assert.equal(r.code, 0, r.stderr);
    assertNoControls(r.stdout, 'stdout');
    assert.deepEqual(r.stdout.split('\n'), ['v1', '\\u001b[31mred\\nx', 'v2\\u0008\\u0008\\u0008ok', '']);
  });

  it('tags --json: the document carries the exact tag (JSON escapes it)', async () => {
    const r = await runCli(['--cache-dir', work.dir, 'tags', '--json', `${registry.host}/team/app`]);
    assert.equal(r.code, 0, r.stderr);
    assertNoControls(r.stdout.replace(/\n/g, ''), 'stdout');
    assert.deepEqual((JSON.parse(r.stdout) as { tags: string[] }).tags, ['v1', EVIL_TAG, 'v2\u0008\u0008\u0008ok']);
  });

  it('an error message from the registry is one line, escaped (exit 3)', async () => {
    const r = await runCli(['--cache-dir', work.dir, 'pull', `${failing.host}/team/app:v1`]);
    assert.equal(r.code, 3, r.stderr);
    assertNoControls(r.stderr, 'stderr');
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('Error:'));
    assert.equal(errors.length, 1, r.stderr);
    assert.match(errors[0] as string, /\\u001b\]0;pwned\\u0007manifest\\nunknown\\u001b\[2J\\u009b31m/);
  });

  it('an archive entry name with escapes is named escaped in the error (exit 2)', async () => {
    const archive = await packTar([{ header: { name: `/\u001b[2Jevil\nname`, type: 'file', size: 1 }, body: Buffer.from('x') }]);
    const r = await runCli(['--cache-dir', join(work.dir, 'load'), 'load'], { input: archive });
    assert.equal(r.code, 2, r.stderr);
    assertNoControls(r.stderr, 'stderr');
    assert.match(r.stderr, /^Error: invalid archive: entry "\/\\u001b\[2Jevil\\nname" has an absolute path$/m);
  });

  it('inspect: label and user values from an image config are printed escaped, one line each', async () => {
    const cache = join(work.dir, 'inspect');
    const store = await LayoutStore.open(cache, { create: true });
    await buildRandomImage(store, {
      seed: 'injection',
      layers: 1,
      layerSize: 64,
      tag: 'example.com/evil:1',
      containerConfig: { User: 'root\u001b[8m', Labels: { 'org.example.note': 'hidden\u001b[2J\nFAKE: line' } },
    });
    const r = await runCli(['--cache-dir', cache, 'inspect', 'example.com/evil:1']);
    assert.equal(r.code, 0, r.stderr);
    assertNoControls(r.stdout, 'stdout');
    assert.match(r.stdout, /^ {4}org\.example\.note=hidden\\u001b\[2J\\nFAKE: line$/m);
    assert.match(r.stdout, /^ {2}User: {7}root\\u001b\[8m$/m);
    assert.doesNotMatch(r.stdout, /^FAKE: line/m);
  });
});
