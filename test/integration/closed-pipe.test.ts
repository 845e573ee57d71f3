import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LayoutStore } from '../../src/layout/layout-store.js';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { sha256Digest } from '../../src/oci/digest.js';
import { isolatedEnv, REGCTL_BIN, runCli, tempDir } from '../support/cli.js';
import { buildRandomImage } from '../support/random-image.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { run } from '../support/tools.js';

// A reader that goes away (`regctl images | head -1`) must end regctl quietly (SPEC §6). Each
// listing writes far more than a pipe holds (64 KiB), so regctl is still writing when head exits.
const ENOUGH = 192 * 1024;

/**
 * Runs `regctl ARGS | READER` in bash (READER `head -1`, or `true`, which reads nothing); returns
 * what the reader printed, regctl's stderr and regctl's exit status.
 */
async function piped(args: string[], reader: string): Promise<{ line: string; stderr: string; status: number }> {
  const t = tempDir('regctl-pipe-');
  try {
    const errFile = join(t.dir, 'stderr');
    const r = await run('bash', ['-c', `"$@" 2>"$ERR_FILE" | ${reader}; echo "status=\${PIPESTATUS[0]}"`, 'bash', process.execPath, REGCTL_BIN, ...args], {
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...isolatedEnv(), ERR_FILE: errFile },
    });
    const lines = r.stdout.trimEnd().split('\n');
    const status = Number((lines.pop() ?? '').replace('status=', ''));
    return { line: lines[0] ?? '', stderr: readFileSync(errFile, 'utf8'), status };
  } finally {
    t.remove();
  }
}

describe('a closed pipe ends regctl quietly', { timeout: 120_000 }, () => {
  const work = tempDir('regctl-closed-pipe-');
  const cache = join(work.dir, 'cache');
  let reg: RunningRegistry;
  let wide: Descriptor;

  before(async () => {
    const store = await LayoutStore.open(cache, { create: true });
    const img = await buildRandomImage(store, { seed: 'closed-pipe', layers: 1, layerSize: 64 });
    // 3000 names of one image (written in one go: tagging one by one would rewrite index.json 3000 times).
    const index = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] as Descriptor[] };
    for (let i = 0; i < 3000; i++) {
      const name = `registry.example.com/team/closed-pipe-listing:tag-${String(i).padStart(5, '0')}`;
      index.manifests.push({ ...img.manifest, annotations: { 'org.opencontainers.image.ref.name': name, 'io.containerd.image.name': name } });
    }
    // One image with 3000 layer entries, for inspect (the layer blobs need not exist to be listed).
    const layers = Array.from({ length: 3000 }, (_, i) => ({
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      digest: sha256Digest(`layer ${i}`),
      size: 1000 + i,
    }));
    const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: img.config, layers }));
    wide = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256Digest(bytes), size: bytes.length };
    await store.pushBytes(wide, bytes);
    index.manifests.push({
      ...wide,
      annotations: { 'org.opencontainers.image.ref.name': 'docker.io/library/wide:1', 'io.containerd.image.name': 'docker.io/library/wide:1' },
    });
    writeFileSync(join(cache, 'index.json'), JSON.stringify(index));

    reg = await startRegistry({ mode: 'open' });
    const manifest = await store.fetch(img.manifest);
    const chunks: Buffer[] = [];
    for await (const c of manifest) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    for (const blob of [img.config, ...img.layers]) {
      const start = await fetch(`${reg.url}/v2/pipe/tags/blobs/uploads/`, { method: 'POST' });
      const location = new URL(start.headers.get('location') ?? '', reg.url);
      location.searchParams.set('digest', blob.digest);
      const data = readFileSync(store.blobPath(blob.digest));
      assert.equal((await fetch(location, { method: 'PUT', body: data })).status, 201);
    }
    // 1600 tags of 128 characters (the longest a tag may be): about 206 kB of `tags` output.
    const tags = Array.from({ length: 1600 }, (_, i) => `t${String(i).padStart(5, '0')}-${'x'.repeat(121)}`);
    for (let i = 0; i < tags.length; i += 32) {
      await Promise.all(
        tags.slice(i, i + 32).map(async (tag) => {
          const put = await fetch(`${reg.url}/v2/pipe/tags/manifests/${tag}`, { method: 'PUT', body, headers: { 'content-type': img.manifest.mediaType } });
          assert.equal(put.status, 201);
        }),
      );
    }
  });

  after(async () => {
    await reg?.stop();
    work.remove();
  });

  const listings: [string, () => string[], RegExp][] = [
    ['images', () => ['--cache-dir', cache, 'images'], /^REPOSITORY\s+TAG/],
    ['images --digests', () => ['--cache-dir', cache, 'images', '--digests'], /^REPOSITORY\s+TAG\s+DIGEST/],
    ['images --json', () => ['--cache-dir', cache, 'images', '--json'], /^\[$/],
    ['inspect', () => ['--cache-dir', cache, 'inspect', 'wide:1'], /^Name:\s+docker\.io\/library\/wide:1$/],
    ['inspect --json', () => ['--cache-dir', cache, 'inspect', '--json', 'wide:1'], /^\{$/],
    ['tags', () => ['tags', `${reg.host}/pipe/tags`], /^t\d{5}-x{121}$/],
    ['tags --json', () => ['tags', '--json', `${reg.host}/pipe/tags`], /^[[{]/],
  ];

  for (const [label, args, first] of listings) {
    it(`regctl ${label} | head -1: the first line, then silence (no EPIPE trace), exit 141 like a Go tool`, async () => {
      const whole = await runCli(args());
      assert.equal(whole.code, 0, whole.stderr);
      assert.ok(whole.stdout.length >= ENOUGH, `the listing is ${whole.stdout.length} bytes; it must be far more than a pipe holds`);
      const r = await piped(args(), 'head -1');
      assert.equal(r.stderr, '', `stderr must be empty, got: ${r.stderr.slice(0, 400)}`);
      assert.match(r.line, first);
      assert.equal(r.status, 141, 'ended by the closed pipe, as a process killed by SIGPIPE');
    });
  }

  it('help into a reader that is already gone ends quietly too', async () => {
    for (const args of [['pull', '--help'], ['--help'], ['images', '--help']]) {
      const r = await piped(args, 'true');
      assert.equal(r.stderr, '', `${args.join(' ')}: ${r.stderr}`);
      assert.ok(r.status === 0 || r.status === 141, `${args.join(' ')}: exit ${r.status}`);
    }
  });
});
