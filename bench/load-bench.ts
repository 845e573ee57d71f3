// regctl load of an archive with many tiny entries: builds OCI archives holding one small image plus N
// extra entries (plain files, blobs no image references, or symlinks), loads each into a fresh cache
// and prints wall time per entry count, so the growth (linear or not) is visible side by side.
// Usage: node dist/bench/load-bench.js [--entries 25000,50000,100000] [--kinds files,blobs,links]
import { createHash } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import tar from 'tar-stream';
import { flagValue, fmtMiB, fmtS, measure } from './lib/measure.js';

const REGCTL = resolve(fileURLToPath(import.meta.url), '../../../bin/regctl');

type Kind = 'files' | 'blobs' | 'links';

const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

function entry(pack: tar.Pack, header: Parameters<tar.Pack['entry']>[0], body?: Buffer): Promise<void> {
  return new Promise((res, rej) => {
    if (body) pack.entry(header, body, (err) => (err ? rej(err) : res()));
    else pack.entry(header, (err) => (err ? rej(err) : res()));
  });
}

/** Writes an OCI archive with one tiny image named bench/load:1 and `count` extra entries of `kind`. */
async function buildArchive(path: string, kind: Kind, count: number): Promise<void> {
  const pack = tar.pack();
  const written = pipeline(pack, createWriteStream(path));
  const layer = Buffer.alloc(1024);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [`sha256:${sha(layer)}`] } }));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${sha(config)}`, size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${sha(layer)}`, size: layer.length }],
    }),
  );
  for (const b of [layer, config, manifest]) await entry(pack, { name: `blobs/sha256/${sha(b)}`, size: b.length }, b);
  for (let i = 0; i < count; i++) {
    const body = Buffer.from(`tiny entry ${i}\n`);
    if (kind === 'files') await entry(pack, { name: `extra/${i}`, size: body.length }, body);
    else if (kind === 'blobs') await entry(pack, { name: `blobs/sha256/${sha(body)}`, size: body.length }, body);
    else await entry(pack, { name: `links/${i}`, type: 'symlink', linkname: '../oci-layout' });
  }
  const layout = Buffer.from('{"imageLayoutVersion":"1.0.0"}');
  await entry(pack, { name: 'oci-layout', size: layout.length }, layout);
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: `sha256:${sha(manifest)}`,
          size: manifest.length,
          annotations: { 'io.containerd.image.name': 'docker.io/bench/load:1', 'org.opencontainers.image.ref.name': '1' },
        },
      ],
    }),
  );
  await entry(pack, { name: 'index.json', size: index.length }, index);
  pack.finalize();
  await written;
}

async function main(): Promise<void> {
  const counts = (flagValue(process.argv, '--entries') ?? '25000,50000,100000').split(',').map(Number);
  const kinds = (flagValue(process.argv, '--kinds') ?? 'files,blobs,links').split(',') as Kind[];
  const work = mkdtempSync(join(tmpdir(), 'regctl-load-bench-'));
  try {
    console.log(`regctl load, one tiny image plus N tiny entries (node ${process.version}); wall time, peak RSS, µs per entry`);
    console.log('| entries | kind | load | peak RSS | per entry |');
    console.log('|---|---|---|---|---|');
    for (const kind of kinds) {
      for (const count of counts) {
        const archive = join(work, `${kind}-${count}.tar`);
        await buildArchive(archive, kind, count);
        const cache = join(work, `cache-${kind}-${count}`);
        const m = await measure(process.execPath, [REGCTL, '--cache-dir', cache, 'load', '-q', '-i', archive]);
        if (m.code !== 0) throw new Error(`load failed (${m.code}): ${m.stderr}`);
        console.log(`| ${count} | ${kind} | ${fmtS(m.wallMs)} | ${fmtMiB(m.peakRssKiB)} | ${((m.wallMs * 1000) / count).toFixed(0)} µs |`);
        rmSync(archive);
        rmSync(cache, { recursive: true, force: true });
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
