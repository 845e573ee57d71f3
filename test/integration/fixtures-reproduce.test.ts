import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import tar from 'tar-stream';
import { tempDir } from '../support/cli.js';
import { FIXTURES } from '../support/fixtures.js';
import { requireTool, run } from '../support/tools.js';

// fixtures/make-fixtures.mjs must still make what is checked in: byte for byte, except skopeo's
// oci-archive, whose tar headers carry the time of the copy (there names and contents must match).
const BY_CONTENT = new Set(['archives/skopeo-oci-noref.tar']);

function files(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (!p.endsWith('.mjs') && !p.endsWith('.md')) out.push(relative(root, p));
    }
  };
  walk(root);
  return out;
}

async function tarContents(bytes: Buffer): Promise<string[]> {
  const extract = tar.extract();
  const out: string[] = [];
  const done = (async () => {
    for await (const e of extract) {
      const hash = createHash('sha256');
      for await (const c of e) hash.update(c as Buffer);
      out.push(`${e.header.type} ${e.header.name} ${hash.digest('hex')}`);
    }
  })();
  extract.end(bytes);
  await done;
  return out;
}

test('make-fixtures.mjs reproduces every checked-in fixture', { timeout: 120_000 }, async () => {
  requireTool('skopeo');
  const out = tempDir('regctl-fixtures-again-');
  try {
    const r = await run(process.execPath, [join(FIXTURES, 'make-fixtures.mjs'), '--out', out.dir]);
    assert.equal(r.code, 0, r.stderr);
    const checkedIn = files(FIXTURES);
    assert.deepEqual(files(out.dir), checkedIn, 'the same files');
    for (const f of checkedIn) {
      const want = readFileSync(join(FIXTURES, f));
      const got = readFileSync(join(out.dir, f));
      if (BY_CONTENT.has(f)) assert.deepEqual(await tarContents(got), await tarContents(want), f);
      else assert.ok(got.equals(want), `${f} differs: run node fixtures/make-fixtures.mjs and review the change`);
    }
  } finally {
    out.remove();
  }
});
