import assert from 'node:assert/strict';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '../support/cli.js';
import { tempLayout } from '../support/layout-check.js';
import { buildRandomImage } from '../support/random-image.js';
import type { RunningRegistry } from '../support/registry.js';
import { skopeoCopy, skopeoTlsFor } from '../support/skopeo.js';

/** The test registries' one account. */
export const USER = 'alice';
/** Its password; must never show up anywhere but the chosen store. */
export const PASSWORD = 'wonderland-secret';

const ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' };

/** Pushes a small random image for this host's platform to `reg` as `repoTag` with skopeo and the test account. */
export async function pushPrivate(reg: RunningRegistry, repoTag: string): Promise<void> {
  const { store, dir, cleanup } = await tempLayout('regctl-login-src-');
  try {
    await buildRandomImage(store, {
      seed: `login:${repoTag}`,
      layers: 1,
      layerSize: 1024,
      tag: 'src',
      platform: { os: 'linux', architecture: ARCH[process.arch] ?? process.arch },
    });
    await skopeoCopy(`oci:${dir}:src`, `docker://${reg.host}/${repoTag}`, { destCreds: `${USER}:${PASSWORD}`, destTls: skopeoTlsFor(reg) });
  } finally {
    await cleanup();
  }
}

/** A private HOME with XDG and Docker dirs inside it, as env overrides for runCli; removed by the returned function. */
export async function freshHome(registered: Array<() => void>): Promise<{ home: string; env: NodeJS.ProcessEnv; configDir: string; dockerDir: string }> {
  const t = tempDir('regctl-login-home-');
  registered.push(t.remove);
  const home = t.dir;
  const dockerDir = join(home, '.docker');
  await mkdir(dockerDir);
  return {
    home,
    configDir: join(home, '.config', 'regctl'),
    dockerDir,
    env: {
      HOME: home,
      XDG_CONFIG_HOME: join(home, '.config'),
      XDG_CACHE_HOME: join(home, '.cache'),
      DOCKER_CONFIG: dockerDir,
      REGCTL_CACHE: join(home, '.cache', 'regctl'),
    },
  };
}

/** Every regular file under `dir` (recursively). */
export async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** Files under `dirs` holding `secret` in plain text or base64 (alone or as "user:secret"). */
export async function filesContaining(dirs: string[], secret: string): Promise<string[]> {
  const needles = [secret, Buffer.from(secret).toString('base64'), Buffer.from(`${USER}:${secret}`).toString('base64')];
  const hits: string[] = [];
  for (const d of dirs) {
    for (const f of await filesUnder(d)) {
      const text = (await readFile(f)).toString('latin1');
      if (needles.some((n) => text.includes(n))) hits.push(f);
    }
  }
  return hits;
}

/** Asserts that no output holds the password (or its base64 forms). */
export function assertNoSecret(text: string, secret: string = PASSWORD): void {
  for (const n of [secret, Buffer.from(secret).toString('base64'), Buffer.from(`${USER}:${secret}`).toString('base64')]) {
    assert.ok(!text.includes(n), `output leaks a secret:\n${text}`);
  }
}
