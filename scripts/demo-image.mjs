// A tiny, reproducible OCI image for the demo, written as an OCI image layout: one gzip'd tar layer
// holding /demo/hello.txt, its config and manifest. Fixed timestamps make the digests the same on
// every run of one platform.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const EPOCH = Date.UTC(2024, 0, 1) / 1000;
const ARCH = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

/** One 512-byte ustar header (POSIX.1-1988) for a directory or a regular file. */
function tarHeader(name, size, type) {
  const h = Buffer.alloc(512);
  const put = (text, at, len) => h.write(text, at, len, 'utf8');
  const octal = (n, at, len) => put(n.toString(8).padStart(len - 1, '0'), at, len - 1);
  put(name, 0, 100);
  octal(type === '5' ? 0o755 : 0o644, 100, 8);
  octal(0, 108, 8);
  octal(0, 116, 8);
  octal(size, 124, 12);
  octal(EPOCH, 136, 12);
  h.fill(' ', 148, 156); // the checksum is computed with its own field as spaces
  put(type, 156, 1);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  put('root', 265, 32);
  put('root', 297, 32);
  let sum = 0;
  for (const byte of h) sum += byte;
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return h;
}

/** A tar stream of `files` (path → text), with their parent directories. */
function tarOf(files) {
  const parts = [];
  const dirs = new Set();
  for (const [path, text] of Object.entries(files)) {
    const segments = path.split('/').slice(0, -1);
    for (let i = 1; i <= segments.length; i++) {
      const dir = `${segments.slice(0, i).join('/')}/`;
      if (!dirs.has(dir)) parts.push(tarHeader(dir, 0, '5'));
      dirs.add(dir);
    }
    const body = Buffer.from(text);
    parts.push(tarHeader(path, body.length, '0'), body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

const sha256 = (bytes) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** Writes the image into a new OCI layout at `dir`, tagged `latest`; returns the manifest digest. */
export function writeDemoImage(dir) {
  const layerTar = tarOf({ 'demo/hello.txt': 'Hello from the regctl demo: this layer was pulled, tagged, pushed, saved and loaded without a daemon.\n' });
  const layer = gzipSync(layerTar, { level: 9 });
  const platform = { architecture: ARCH[process.arch] ?? process.arch, os: 'linux', ...(process.arch === 'arm64' ? { variant: 'v8' } : {}) };
  const created = new Date(EPOCH * 1000).toISOString();
  const config = Buffer.from(JSON.stringify({
    created,
    ...platform,
    config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['cat', '/demo/hello.txt'] },
    rootfs: { type: 'layers', diff_ids: [sha256(layerTar)] },
    history: [{ created, created_by: 'scripts/demo-image.mjs (regctl npm run demo)' }],
  }));
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(layer), size: layer.length }],
  }));
  const blobs = join(dir, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  for (const bytes of [layer, config, manifest]) writeFileSync(join(blobs, sha256(bytes).slice(7)), bytes);
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const entry = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256(manifest), size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': 'latest' } };
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [entry] }));
  return entry.digest;
}
