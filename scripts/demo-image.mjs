// A tiny, reproducible OCI image for the demo, written as an OCI image layout: one gzip'd tar layer
// holding /demo/hello.txt, its config and manifest. Fixed timestamps make the digests the same on
// every run of one platform.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const EPOCH = Date.UTC(2024, 0, 1) / 1000;
const ARCH = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

/** A tar archive of `files` (path → text) with their parent directories, as bytes. */
async function tarOf(files) {
  // A devDependency (bundled into regctl): the demo runs in a checkout after npm ci.
  const { default: tar } = await import('tar-stream').catch(() => {
    throw Object.assign(new Error('tar-stream is not installed: run "npm ci" in the regctl checkout first'), { demo: true });
  });
  const pack = tar.pack();
  const mtime = new Date(EPOCH * 1000);
  const dirs = new Set();
  for (const [path, text] of Object.entries(files)) {
    const segments = path.split('/').slice(0, -1);
    for (let i = 1; i <= segments.length; i++) {
      const dir = `${segments.slice(0, i).join('/')}/`;
      if (!dirs.has(dir)) pack.entry({ name: dir, type: 'directory', mode: 0o755, mtime });
      dirs.add(dir);
    }
    pack.entry({ name: path, mode: 0o644, mtime }, text);
  }
  pack.finalize();
  const chunks = [];
  for await (const chunk of pack) chunks.push(chunk);
  return Buffer.concat(chunks);
}

const sha256 = (bytes) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** Writes the image into a new OCI layout at `dir`, tagged `latest`; returns the manifest digest. */
export async function writeDemoImage(dir) {
  const layerTar = await tarOf({ 'demo/hello.txt': 'Hello from the regctl demo: this layer was pulled, tagged, pushed, saved and loaded without a daemon.\n' });
  const layer = gzipSync(layerTar, { level: 9 });
  const platform = { architecture: ARCH[process.arch] ?? process.arch, os: 'linux', ...(process.arch === 'arm64' ? { variant: 'v8' } : {}) };
  const created = new Date(EPOCH * 1000).toISOString();
  const config = Buffer.from(
    JSON.stringify({
      created,
      ...platform,
      config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['cat', '/demo/hello.txt'] },
      rootfs: { type: 'layers', diff_ids: [sha256(layerTar)] },
      history: [{ created, created_by: 'scripts/demo-image.mjs (regctl npm run demo)' }],
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(layer), size: layer.length }],
    }),
  );
  const blobs = join(dir, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  for (const bytes of [layer, config, manifest]) writeFileSync(join(blobs, sha256(bytes).slice(7)), bytes);
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const entry = {
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: sha256(manifest),
    size: manifest.length,
    annotations: { 'org.opencontainers.image.ref.name': 'latest' },
  };
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [entry] }));
  return entry.digest;
}
