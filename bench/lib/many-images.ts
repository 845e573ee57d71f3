import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface Blob {
  mediaType: string;
  digest: string;
  size: number;
}

/** Writes `bytes` as a blob of the layout at `dir` (no fsync: a bench fixture) and returns its descriptor. */
function putBlob(dir: string, mediaType: string, bytes: Buffer): Blob {
  const hex = createHash('sha256').update(bytes).digest('hex');
  writeFileSync(join(dir, 'blobs', 'sha256', hex), bytes);
  return { mediaType, digest: `sha256:${hex}`, size: bytes.length };
}

const json = (doc: unknown): Buffer => Buffer.from(JSON.stringify(doc));

/** One platform's image: a config like a real one (env, labels, history) and 3–5 layers from a shared pool. */
function putImage(dir: string, n: number, pool: Blob[], arch: string): Blob {
  const layers = Array.from({ length: 3 + (n % 3) }, (_, i) => pool[(n * 7 + i * 13) % pool.length]!);
  const created = new Date(Date.UTC(2024, 0, 1) + n * 3_600_000).toISOString();
  const config = putBlob(
    dir,
    'application/vnd.oci.image.config.v1+json',
    json({
      created,
      architecture: arch,
      os: 'linux',
      config: {
        Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', `APP_BUILD=${n}`],
        Cmd: ['/app'],
        Labels: { 'org.example.build': String(n) },
      },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
      history: layers.map((_, i) => ({ created, created_by: `/bin/sh -c step ${i} of image ${n}` })),
    }),
  );
  return putBlob(
    dir,
    'application/vnd.oci.image.manifest.v1+json',
    json({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config, layers }),
  );
}

/**
 * Writes an OCI layout at `dir` holding `count` named images, as a long-used regctl cache does:
 * one in 10 names is a second tag of the previous image, one in 25 is a two-platform index (as
 * `pull --all-platforms` stores), the rest single-platform manifests; layers come from a pool of 64.
 */
export function writeManyImages(dir: string, count: number): void {
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const pool = Array.from({ length: 64 }, (_, i) =>
    putBlob(dir, 'application/vnd.oci.image.layer.v1.tar+gzip', createHash('sha512').update(`bench-layer-${i}`).digest()),
  );
  const entries: object[] = [];
  let previous: Blob | undefined;
  for (let n = 0; n < count; n++) {
    let desc: Blob;
    if (n % 10 === 9 && previous) desc = previous;
    else if (n % 25 === 0) {
      const manifests = ['amd64', 'arm64'].map((arch) => ({ ...putImage(dir, n, pool, arch), platform: { architecture: arch, os: 'linux' } }));
      desc = putBlob(
        dir,
        'application/vnd.oci.image.index.v1+json',
        json({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }),
      );
    } else desc = putImage(dir, n, pool, 'amd64');
    previous = desc;
    const name = `registry.example/team-${n % 40}/app-${Math.floor(n / 40)}:v${n % 10}`;
    entries.push({ ...desc, annotations: { 'org.opencontainers.image.ref.name': name, 'io.containerd.image.name': name } });
  }
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: entries }));
}
