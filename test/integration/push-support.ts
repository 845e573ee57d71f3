import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LayoutStore } from '../../src/layout/layout-store.js';
import type { Platform } from '../../src/oci/descriptor.js';
import { runCli, type CliResult } from '../support/cli.js';
import {
  buildRandomImage,
  buildRandomIndex,
  type RandomImage,
  type RandomImageOptions,
  type RandomIndex,
  type RandomIndexOptions,
} from '../support/random-image.js';
import type { AccessEntry, RunningRegistry } from '../support/registry.js';
import { skopeoCopy, skopeoInspect, skopeoTlsFor } from '../support/skopeo.js';

/** Three platforms, for index tests. */
export const THREE_PLATFORMS: Platform[] = [
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm64', variant: 'v8' },
  { os: 'linux', architecture: 'arm', variant: 'v7' },
];

/** `user:password` of a registry's first account. */
export function creds(reg: RunningRegistry): string {
  const [user, pass] = Object.entries(reg.users)[0] as [string, string];
  return `${user}:${pass}`;
}

/** The environment that hands regctl a registry's first account (SPEC §5 REGCTL_USERNAME/PASSWORD, scoped by REGCTL_REGISTRY). */
export function credEnv(reg: RunningRegistry): NodeJS.ProcessEnv {
  const [user, pass] = Object.entries(reg.users)[0] as [string, string];
  return { REGCTL_USERNAME: user, REGCTL_PASSWORD: pass, REGCTL_REGISTRY: reg.host };
}

async function viaLayout<T>(reg: RunningRegistry, repoTag: string, all: boolean, build: (store: LayoutStore) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'regctl-push-src-'));
  try {
    const store = await LayoutStore.open(dir, { create: true });
    const built = await build(store);
    const auth = reg.mode === 'basic' || reg.mode === 'token' ? { destCreds: creds(reg) } : {};
    await skopeoCopy(`oci:${dir}:src`, `docker://${reg.host}/${repoTag}`, { all, destTls: skopeoTlsFor(reg), ...auth });
    return built;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Builds a seeded random image and puts it into `reg` as `repoTag` with skopeo (the referee, not our code). */
export function seedImage(reg: RunningRegistry, repoTag: string, options: Omit<RandomImageOptions, 'tag'>): Promise<RandomImage> {
  return viaLayout(reg, repoTag, false, (store) => buildRandomImage(store, { ...options, tag: 'src' }));
}

/** Builds a seeded random index and puts all of it into `reg` as `repoTag` with skopeo. */
export function seedIndex(reg: RunningRegistry, repoTag: string, options: Omit<RandomIndexOptions, 'tag'>): Promise<RandomIndex> {
  return viaLayout(reg, repoTag, true, (store) => buildRandomIndex(store, { ...options, tag: 'src' }));
}

/** The digest skopeo reports for a registry image. */
export async function skopeoDigest(reg: RunningRegistry, repoTag: string): Promise<string> {
  const auth = reg.mode === 'basic' || reg.mode === 'token' ? { creds: creds(reg) } : {};
  const r = await skopeoInspect(`docker://${reg.host}/${repoTag}`, { tls: skopeoTlsFor(reg), ...auth });
  return (r.json as { Digest: string }).Digest;
}

/** The raw manifest skopeo reads from a registry. */
export async function skopeoRaw(reg: RunningRegistry, repoTag: string): Promise<{ manifests?: { digest: string; platform?: Platform }[]; layers?: unknown[] }> {
  const r = await skopeoInspect(`docker://${reg.host}/${repoTag}`, { tls: skopeoTlsFor(reg), raw: true });
  return r.json as { manifests?: { digest: string; platform?: Platform }[] };
}

/** Runs regctl and fails with its output unless it exits with `code`. */
export async function regctl(args: string[], code = 0, env?: NodeJS.ProcessEnv): Promise<CliResult> {
  const r = await runCli(args, env ? { env } : {});
  assert.equal(r.code, code, `regctl ${args.join(' ')} exited ${r.code}, expected ${code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

/** Requests that sent blob bytes to the registry: a PUT or PATCH on an upload session. */
export function blobUploads(log: AccessEntry[]): AccessEntry[] {
  return log.filter((e) => (e.method === 'PUT' || e.method === 'PATCH') && /\/blobs\/uploads\//.test(e.path));
}

/** Cross-repository mount requests. */
export function mounts(log: AccessEntry[]): AccessEntry[] {
  return log.filter((e) => e.method === 'POST' && /(^|&)mount=/.test(e.query));
}

/** Every file and directory under `dir` with size and mtime, for before/after comparisons. */
export async function snapshot(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const p = join(d, entry.name);
      const s = await stat(p);
      out.push(`${p.slice(dir.length)} ${entry.isDirectory() ? 'dir' : s.size} ${s.mtimeMs}`);
      if (entry.isDirectory()) await walk(p);
    }
  };
  await walk(dir);
  return out.sort();
}
