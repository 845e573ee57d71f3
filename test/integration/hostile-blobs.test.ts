import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pull } from '../../src/commands/pull.js';
import { RegctlError } from '../../src/errors.js';
import { Session } from '../../src/session.js';
import { tempDir } from '../support/cli.js';
import { quietCommandIo } from '../support/cli-io.js';
import { startHostileBlobRegistry, type BlobMisbehaviour } from '../support/hostile-blobs.js';
import { assertBlobsIntact, cacheNames } from './pull-helpers.js';

/** What a pull from a misbehaving registry must end in: success, or an exit code and a message. */
interface Expectation {
  mode: BlobMisbehaviour;
  exit: number;
  message?: (host: string) => RegExp;
  /** A successful pull must have asked for the rest with Range. */
  resumed?: boolean;
}

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const CASES: Expectation[] = [
  { mode: 'control', exit: 0 },
  { mode: 'cut', exit: 5, message: (h) => new RegExp(`network error talking to ${esc(h)}: the connection was closed before the whole body arrived$`) },
  { mode: 'cut-once', exit: 0, resumed: true },
  { mode: 'length-larger', exit: 1, message: (h) => new RegExp(`registry ${esc(h)} sent \\d+ bytes for blob .*, which is \\d+ bytes`) },
  { mode: 'length-smaller', exit: 1, message: (h) => new RegExp(`registry ${esc(h)} sent \\d+ bytes for blob`) },
  { mode: 'endless-chunked', exit: 1, message: () => /is larger than its declared size/ },
  { mode: 'endless-close', exit: 1, message: () => /is larger than its declared size/ },
  {
    mode: 'stall',
    exit: 5,
    message: (h) => new RegExp(`network error talking to ${esc(h)}: the response stalled: no data within the timeout \\(--timeout\\)`),
  },
  { mode: 'stall-once', exit: 0, resumed: true },
  { mode: 'stall-head', exit: 5, message: (h) => new RegExp(`network error talking to ${esc(h)}: no response within the timeout \\(--timeout\\)`) },
  { mode: 'slow', exit: 0 },
  { mode: 'wrong-bytes', exit: 1, message: () => /blob digest mismatch: expected sha256:/ },
  { mode: 'chunked', exit: 0 },
  { mode: 'extra-bytes', exit: 0 },
  { mode: 'http10', exit: 0 },
  { mode: 'redirect-loop', exit: 1, message: (h) => new RegExp(`too many redirects \\(more than 5\\) from ${esc(h)}$`) },
];

/** The hostile-server suite, once on the socket fast path and once on undici alone (issue 13: both body paths). */
for (const fastPath of [true, false]) {
  describe(`a misbehaving registry's blob bodies, ${fastPath ? 'socket fast path' : 'undici'} (issue 12, 13)`, () => {
    for (const c of CASES) {
      it(`${c.mode}: ${c.exit === 0 ? 'pulled and stored intact' : `exit ${c.exit}, nothing named, nothing wrong stored`}`, async (t) => {
        const h = await startHostileBlobRegistry(c.mode);
        const dir = tempDir('regctl-hostile-blobs-');
        const debug: string[] = [];
        const session = await Session.create({
          cacheDir: join(dir.dir, 'cache'),
          configDir: join(dir.dir, 'config'),
          env: { HOME: dir.dir },
          timeoutMs: 1000,
          downloads: { retry: { minTimeout: 10, maxTimeout: 50 } },
          fastPath,
          debug: (l) => debug.push(l),
        });
        t.after(async () => {
          await session.close();
          await h.close();
          dir.remove();
        });
        const cache = join(dir.dir, 'cache');
        const name = `${h.host}/team/app:v1`;
        let failure: RegctlError | undefined;
        try {
          await pull(session, { reference: name }, quietCommandIo());
        } catch (err) {
          assert.ok(err instanceof RegctlError, `not a RegctlError: ${String((err as Error)?.stack ?? err)}`);
          failure = err;
        }
        assert.equal(failure?.exitCode ?? 0, c.exit, failure?.message);
        if (failure) {
          assert.ok(!failure.message.includes('\n'), failure.message);
          assert.doesNotMatch(failure.message, /internal error/);
          if (c.message) assert.match(failure.message, c.message(h.host));
          assert.deepEqual(await cacheNames(cache), []);
          assert.ok(!(await assertBlobsIntact(cache)).includes(h.layer.digest), 'the layer was stored');
          if (failure.kind === 'integrity') {
            const partials = await readdir(join(cache, '.tmp', 'ingest')).catch(() => [] as string[]);
            assert.deepEqual(
              partials.filter((n) => n.endsWith('.data')),
              [],
              'wrong bytes were kept for a resume',
            );
          }
        } else {
          assert.deepEqual(await cacheNames(cache), [name]);
          assert.ok((await assertBlobsIntact(cache)).includes(h.layer.digest));
        }
        const layerGets = h.requests.filter((r) => r.method === 'GET' && r.url.endsWith(`/blobs/${h.layer.digest}`));
        if (c.resumed)
          assert.ok(
            layerGets.slice(1).some((r) => /^bytes=[1-9]\d*-$/.test(String(r.headers.range))),
            JSON.stringify(layerGets.map((r) => r.headers.range)),
          );
        const fastUsed = debug.some((l) => l.includes('socket fast path'));
        assert.equal(fastUsed, fastPath, fastPath ? 'the fast path was never used' : 'the fast path was used while off');
      });
    }
  });
}
