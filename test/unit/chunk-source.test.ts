import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync, truncateSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { CountedSource } from '../../src/content/counted-source.js';
import { readStream } from '../../src/content/read-all.js';
import { RegctlError } from '../../src/errors.js';
import { FileChunkSource } from '../../src/layout/file-source.js';
import { SourceReadable, type ChunkSource, type ChunkWriter } from '../../src/util/chunk-source.js';
import { tempDir } from '../support/cli.js';

const MIB = 1024 * 1024;
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** A source that keeps up to three pieces in flight, as the file source does, each from its own buffer. */
function inFlightSource(data: Buffer): ChunkSource {
  return {
    size: data.length,
    replayable: true,
    async pump(write: ChunkWriter): Promise<void> {
      const taken: Array<Promise<void> | undefined> = [];
      for (let at = 0, i = 0; at < data.length; at += 64 * 1024, i++) {
        await taken[i % 3];
        const pending = write(Buffer.from(data.subarray(at, at + 64 * 1024))) ?? undefined;
        // Handled here too: a later piece's failure is seen when its slot comes round, not as an unhandled rejection.
        pending?.catch(() => undefined);
        taken[i % 3] = pending;
      }
      await Promise.all(taken);
    },
    cancel: () => undefined,
  };
}

async function collect(source: ChunkSource, slow = false): Promise<Buffer> {
  const parts: Buffer[] = [];
  await source.pump(async (c) => {
    if (slow) await tick();
    parts.push(Buffer.from(c));
  });
  return Buffer.concat(parts);
}

test('SourceReadable: read as a stream with several pieces waiting past the high-water mark, every byte in order (regression: a hang)', async () => {
  const data = randomBytes(5 * MIB + 17);
  const stream = new SourceReadable(inFlightSource(data));
  const parts: Buffer[] = [];
  for await (const c of stream) {
    parts.push(c as Buffer);
    await tick();
  }
  assert.ok(Buffer.concat(parts).equals(data));
  assert.equal(stream.takeSource(), undefined, 'a flowing stream gives its source away');
});

test('SourceReadable: a consumer that takes the source before the stream flows pumps it itself', async () => {
  const data = randomBytes(MIB);
  const stream = new SourceReadable(inFlightSource(data));
  const source = stream.takeSource();
  assert.ok(source);
  assert.equal(stream.takeSource(), undefined, 'taken once');
  assert.ok((await collect(source)).equals(data));
});

test('CountedSource: sizes checked as integrity errors naming the digest; a writer failure is not the source failure', async () => {
  const data = randomBytes(3 * MIB);
  const desc = { mediaType: 'application/octet-stream', digest: `sha256:${'a'.repeat(64)}`, size: data.length - 1 };
  const long = new CountedSource(inFlightSource(data), desc, () => undefined);
  await assert.rejects(
    long.pump(() => undefined),
    /blob sha256:a{64} is larger than its declared size 3145727$/,
  );
  assert.ok(long.failure instanceof RegctlError && long.failure.kind === 'integrity');

  const short = new CountedSource(inFlightSource(data), { ...desc, size: data.length + 5 }, () => undefined);
  await assert.rejects(
    short.pump(() => undefined),
    /blob sha256:a{64} is truncated: expected 3145733 bytes, got 3145728$/,
  );

  const reports: number[] = [];
  const writerFails = new CountedSource(inFlightSource(data), { ...desc, size: data.length }, (n) => reports.push(n));
  await assert.rejects(
    writerFails.pump(() => Promise.reject(new Error('destination gone'))),
    /destination gone/,
  );
  assert.equal(writerFails.failure, undefined);

  const ok = new CountedSource(inFlightSource(data), { ...desc, size: data.length }, (n) => reports.push(n));
  assert.ok((await collect(ok)).equals(data));
  assert.equal(reports.at(-1), data.length);
});

test('FileChunkSource: positional reads through rotating buffers, replayable; a file cut short is an integrity error naming it', async (t) => {
  const dir = tempDir('regctl-file-source-');
  t.after(() => dir.remove());
  const path = join(dir.dir, 'blob');
  const data = randomBytes(4 * MIB + 3);
  writeFileSync(path, data);
  const source = new FileChunkSource(await open(path, 'r'), data.length, path, 'sha256:bb');
  assert.ok((await collect(source, true)).equals(data));
  assert.ok((await collect(source)).equals(data), 'a second pump sends the same bytes');
  assert.ok((await readStream(new SourceReadable(new FileChunkSource(await open(path, 'r'), data.length, path, 'sha256:bb')), 8 * MIB, 'blob')).equals(data));

  const cut = new FileChunkSource(await open(path, 'r'), data.length, path, 'sha256:bb');
  truncateSync(path, 2 * MIB);
  await assert.rejects(collect(cut), (err: unknown) => {
    assert.ok(err instanceof RegctlError && err.kind === 'integrity');
    assert.equal(err.message, `blob sha256:bb is truncated: the file ${path} ended at ${2 * MIB} of ${data.length} bytes`);
    return true;
  });
});
