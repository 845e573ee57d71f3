import { cpSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { tempDir } from './cli.js';

/** The checked-in fixtures directory (made by fixtures/make-fixtures.mjs). */
export const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../../../fixtures');

/** A checked-in file's path under fixtures/. */
export function fixturePath(...parts: string[]): string {
  return join(FIXTURES, ...parts);
}

/** A writable copy of a checked-in OCI layout (e.g. to use as a cache), with a remover. */
export function copyLayoutFixture(name: string): { dir: string; remove: () => void } {
  const t = tempDir(`regctl-fixture-${name}-`);
  cpSync(fixturePath('oci', name), t.dir, { recursive: true });
  return t;
}

/** One blob of an OCI layout directory. */
export function layoutBlob(dir: string, digest: string): Buffer {
  return readFileSync(join(dir, 'blobs', 'sha256', digest.replace(/^sha256:/, '')));
}

/** An image of a layout fixture: its index.json entry, manifest bytes and parsed manifest. */
export interface FixtureImage {
  entry: Descriptor;
  manifestBytes: Buffer;
  manifest: { mediaType: string; config: Descriptor; layers: Descriptor[] };
}

/** Reads the image named `name` (ref.name) from an OCI layout directory; throws when absent. */
export function layoutImage(dir: string, name: string): FixtureImage {
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
  const entry = index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === name);
  if (!entry) throw new Error(`no image ${name} in ${dir}`);
  const manifestBytes = layoutBlob(dir, entry.digest);
  return { entry, manifestBytes, manifest: JSON.parse(manifestBytes.toString('utf8')) as FixtureImage['manifest'] };
}
