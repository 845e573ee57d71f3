import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LayoutStore } from '../../src/layout/layout-store.js';
import { REGCTL_BIN } from '../../test/support/cli.js';
import { buildRandomImage, type RandomImage } from '../../test/support/random-image.js';
import type { RunningRegistry } from '../../test/support/registry.js';
import { skopeoCopy } from '../../test/support/skopeo.js';
import { dropSkopeoBlobCache, timed, type Measurement } from './measure.js';

export const MiB = 1024 * 1024;

/** An environment for regctl with no trace of the user's: config, Docker config and home in `scratch`. */
export function regctlEnv(scratch: string): NodeJS.ProcessEnv {
  return { PATH: process.env['PATH'], HOME: scratch, XDG_CONFIG_HOME: join(scratch, 'config'), DOCKER_CONFIG: join(scratch, 'docker') };
}

/** An environment for skopeo with an empty auth file in `scratch`. */
export function skopeoEnv(scratch: string): NodeJS.ProcessEnv {
  const authFile = join(scratch, 'skopeo-auth.json');
  writeFileSync(authFile, '{"auths":{}}\n', { mode: 0o600 });
  return { ...process.env, REGISTRY_AUTH_FILE: authFile };
}

/** Times one `regctl ARGS` run (after `sync`), as node runs bin/regctl. */
export function timedRegctl(args: readonly string[], env: NodeJS.ProcessEnv): Promise<Measurement> {
  return timed(process.execPath, [REGCTL_BIN, ...args], env);
}

/** Times one `skopeo --insecure-policy ARGS` run, its blob-info cache deleted first (it would mount or skip). */
export function timedSkopeo(skopeo: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<Measurement> {
  dropSkopeoBlobCache();
  return timed(skopeo, ['--insecure-policy', ...args], env);
}

/** Throws with the tool's stderr unless it exited 0. */
export function mustSucceed(what: string, m: Measurement): Measurement {
  if (m.code !== 0) throw new Error(`${what} failed (exit ${m.code}): ${m.stderr.trim()}`);
  return m;
}

/** The number of blobs in an OCI layout. */
export function countBlobs(dir: string): number {
  return readdirSync(join(dir, 'blobs', 'sha256')).length;
}

/**
 * A seeded random image, built in an OCI layout (at `keepDir`, kept; else in a temp directory,
 * removed) and put into `reg` as bench/app:v1 with skopeo.
 */
export async function seedImage(
  reg: RunningRegistry,
  shape: { layers: number; layerSize: number },
  log: (line: string) => void,
  keepDir?: string,
): Promise<{ ref: string; image: RandomImage }> {
  log(`building ${shape.layers} × ${shape.layerSize / MiB} MiB random image…`);
  const dir = keepDir ?? mkdtempSync(join(tmpdir(), 'regctl-bench-src-'));
  try {
    const store = await LayoutStore.open(dir, { create: true });
    const image = await buildRandomImage(store, {
      seed: `bench-${shape.layers}x${shape.layerSize}`,
      layers: shape.layers,
      layerSize: shape.layerSize,
      tag: 'v1',
    });
    dropSkopeoBlobCache();
    await skopeoCopy(`oci:${dir}:v1`, `docker://${reg.host}/bench/app:v1`, { timeoutMs: 900_000 });
    return { ref: `${reg.host}/bench/app:v1`, image };
  } finally {
    if (!keepDir) rmSync(dir, { recursive: true, force: true });
  }
}
