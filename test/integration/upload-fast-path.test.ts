import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { copy } from '../../src/commands/copy.js';
import { pull } from '../../src/commands/pull.js';
import { push } from '../../src/commands/push.js';
import { tag } from '../../src/commands/tag.js';
import { RegctlError } from '../../src/errors.js';
import { Session } from '../../src/session.js';
import { tempDir } from '../support/cli.js';
import { quietCommandIo } from '../support/cli-io.js';
import { startHostileBlobRegistry, type BlobMisbehaviour } from '../support/hostile-blobs.js';
import type { RandomImage } from '../support/random-image.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { blobUploads, credEnv, seedImage, skopeoDigest } from './push-support.js';

/** Debug lines of a fast-path request: the connection line, then the request line. */
function fastRequests(debug: string[], method: string, host: string): number {
  let n = 0;
  for (let i = 1; i < debug.length; i++) {
    const line = debug[i] as string;
    if ((line.startsWith(`> ${method} http://${host}/`) || line.startsWith(`> ${method} https://${host}/`)) && /socket fast path/.test(debug[i - 1] as string))
      n++;
  }
  return n;
}

async function session(dir: string, fastPath: boolean, debug: string[], env: NodeJS.ProcessEnv = {}, caCerts?: string[]): Promise<Session> {
  return Session.create({
    ...(caCerts ? { caCerts } : {}),
    cacheDir: join(dir, 'cache'),
    configDir: join(dir, 'config'),
    env: { HOME: dir, ...env },
    timeoutMs: 5000,
    downloads: { retry: { minTimeout: 10, maxTimeout: 50 } },
    fastPath,
    debug: (l) => debug.push(l),
  });
}

for (const fastPath of [true, false]) {
  describe(`uploads and copies against the distribution registry, ${fastPath ? 'socket fast path' : 'undici'} (issue 13)`, { timeout: 120_000 }, () => {
    let a: RunningRegistry;
    let b: RunningRegistry;
    let tls: RunningRegistry;
    let image: RandomImage;
    const work = tempDir('regctl-upload-fast-');
    before(async () => {
      [a, b, tls] = await Promise.all([startRegistry({ mode: 'open' }), startRegistry({ mode: 'token' }), startRegistry({ mode: 'tls' })]);
      image = await seedImage(a, 'src/app:v1', { seed: 'upload-fast', layers: 2, layerSize: 3_000_000 });
    });
    after(async () => {
      await Promise.all([a, b, tls].map((r) => r?.stop()));
      work.remove();
    });

    it('copy A → B (token auth): every blob GET and upload PUT on the chosen path; skopeo reads the same digest', async (t) => {
      const debug: string[] = [];
      const s = await session(join(work.dir, 'copy'), fastPath, debug, credEnv(b));
      t.after(() => s.close());
      await b.clearAccessLog();
      await copy(s, { source: `${a.host}/src/app:v1`, destination: `${b.host}/team/app:v1` }, quietCommandIo());
      assert.equal(await skopeoDigest(b, 'team/app:v1'), image.manifest.digest);
      const uploads = blobUploads(await b.accessLog()).filter((e) => e.method === 'PUT');
      assert.equal(uploads.length, 3, 'two layers and the config uploaded');
      assert.equal(fastRequests(debug, 'PUT', b.host), fastPath ? 3 : 0, debug.filter((l) => l.startsWith('*')).join('\n'));
      assert.equal(fastRequests(debug, 'GET', a.host) >= 3, fastPath);
    });

    it('push from the cache: the uploads take the file straight to the socket; skopeo reads the same digest', async (t) => {
      const debug: string[] = [];
      const s = await session(join(work.dir, 'push'), fastPath, debug, credEnv(b));
      t.after(() => s.close());
      const io = quietCommandIo();
      await pull(s, { reference: `${a.host}/src/app:v1` }, io);
      await tag(s, { source: `${a.host}/src/app:v1`, target: `${b.host}/pushed/app:v1` }, io);
      await b.clearAccessLog();
      await push(s, { reference: `${b.host}/pushed/app:v1` }, io);
      assert.equal(await skopeoDigest(b, 'pushed/app:v1'), image.manifest.digest);
      assert.equal(blobUploads(await b.accessLog()).filter((e) => e.method === 'PUT').length, 3);
      assert.equal(fastRequests(debug, 'PUT', b.host), fastPath ? 3 : 0);
    });

    it('copy into a TLS registry trusted with a CA: the uploads go over TLS on the chosen path', async (t) => {
      const debug: string[] = [];
      const s = await session(join(work.dir, 'tls'), fastPath, debug, {}, [tls.caFile as string]);
      t.after(() => s.close());
      await copy(s, { source: `${a.host}/src/app:v1`, destination: `${tls.host}/team/app:v1` }, quietCommandIo());
      assert.equal(await skopeoDigest(tls, 'team/app:v1'), image.manifest.digest);
      assert.equal(blobUploads(await tls.accessLog()).filter((e) => e.method === 'PUT').length, 3);
      assert.equal(fastRequests(debug, 'PUT', tls.host), fastPath ? 3 : 0);
    });

    const blame: Array<{ mode: BlobMisbehaviour; exit: number; message: (src: string) => RegExp }> = [
      { mode: 'cut-once', exit: 0, message: () => /./ },
      {
        mode: 'cut',
        exit: 5,
        message: (src) => new RegExp(`^${src}/team/app:v1: network error talking to ${src}: the connection was closed before the whole body arrived$`),
      },
      {
        mode: 'length-smaller',
        exit: 1,
        message: (src) => new RegExp(`^${src}/team/app:v1: blob sha256:[0-9a-f]{64} is truncated: expected \\d+ bytes, got \\d+$`),
      },
      { mode: 'length-larger', exit: 1, message: (src) => new RegExp(`^${src}/team/app:v1: blob sha256:[0-9a-f]{64} is larger than its declared size \\d+$`) },
      {
        mode: 'wrong-bytes',
        exit: 1,
        message: (src) =>
          new RegExp(
            `^${src}/team/app:v1: blob sha256:[0-9a-f]{64} sent by the source does not match its digest \\(the destination answered 400 DIGEST_INVALID\\)$`,
          ),
      },
    ];
    for (const c of blame) {
      it(`copy from a source whose blob body is "${c.mode}": ${c.exit === 0 ? 'resumed with Range and copied' : `exit ${c.exit}, the source blamed`}`, async (t) => {
        const src = await startHostileBlobRegistry(c.mode);
        const debug: string[] = [];
        const s = await session(join(work.dir, `blame-${c.mode}`), fastPath, debug, credEnv(b));
        t.after(async () => {
          await s.close();
          await src.close();
        });
        let failure: RegctlError | undefined;
        try {
          await copy(s, { source: `${src.host}/team/app:v1`, destination: `${b.host}/blame-${c.mode}/app:v1` }, quietCommandIo());
        } catch (err) {
          assert.ok(err instanceof RegctlError, String((err as Error)?.stack ?? err));
          failure = err;
        }
        assert.equal(failure?.exitCode ?? 0, c.exit, failure?.message);
        if (failure) {
          assert.match(failure.message, c.message(src.host));
          assert.ok(!failure.message.includes(b.host), failure.message);
        } else {
          assert.equal(await skopeoDigest(b, `blame-${c.mode}/app:v1`), src.image.manifest.digest);
          const gets = src.requests.filter((r) => r.method === 'GET' && r.url.endsWith(`/blobs/${src.layer.digest}`));
          assert.ok(
            gets.slice(1).some((r) => /^bytes=[1-9]\d*-$/.test(String(r.headers.range))),
            'resumed with Range',
          );
        }
      });
    }
  });
}
