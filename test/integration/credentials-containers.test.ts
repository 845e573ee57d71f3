import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, type CliResult } from '../support/cli.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { requireTool, run } from '../support/tools.js';
import { PASSWORD, USER, assertNoSecret, freshHome, pushPrivate } from './login-helpers.js';

let basic: RunningRegistry;
let token: RunningRegistry;
const cleanups: Array<() => void> = [];

before(async () => {
  [basic, token] = await Promise.all([startRegistry({ mode: 'basic' }), startRegistry({ mode: 'token', publicPrefix: 'public/' })]);
  await Promise.all([pushPrivate(basic, 'private/app:v1'), pushPrivate(token, 'private/app:v1'), pushPrivate(token, 'other/app:v1')]);
});

after(async () => {
  await Promise.all([basic?.stop(), token?.stop()]);
  for (const c of cleanups) c();
});

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const auths = (entries: Record<string, string>): string =>
  JSON.stringify({ auths: Object.fromEntries(Object.entries(entries).map(([k, pw]) => [k, { auth: b64(`${USER}:${pw}`) }])) });

async function pull(reg: RunningRegistry, repo: string, env: NodeJS.ProcessEnv): Promise<CliResult> {
  const r = await runCli(['pull', `${reg.host}/${repo}:v1`], { env });
  assertNoSecret(r.stdout + r.stderr);
  return r;
}

/**
 * `skopeo login` writing the auth file, as a podman user would: the real producer of the format. Its
 * environment is HOME and what `env` adds: with DOCKER_CONFIG set, skopeo writes $DOCKER_CONFIG/config.json.
 */
async function skopeoLogin(reg: RunningRegistry, env: NodeJS.ProcessEnv, authfile?: string): Promise<void> {
  const args = ['login', '--tls-verify=false', '-u', USER, '--password-stdin', ...(authfile ? ['--authfile', authfile] : []), reg.host];
  const r = await run(requireTool('skopeo'), args, { env: { PATH: process.env['PATH'], ...env }, input: PASSWORD });
  assert.equal(r.code, 0, `skopeo login: ${r.stderr}`);
}

describe('the containers auth file written by podman/buildah/skopeo login', () => {
  it('$REGISTRY_AUTH_FILE (written by skopeo login --authfile)', async () => {
    const h = await freshHome(cleanups);
    const file = join(h.home, 'ci-auth.json');
    await skopeoLogin(basic, { HOME: h.home }, file);
    assert.match(await readFile(file, 'utf8'), new RegExp(`"${basic.host.replace(/\./g, '\\.')}"`));
    const r = await pull(basic, 'private/app', { ...h.env, REGISTRY_AUTH_FILE: file });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await pull(basic, 'private/app', h.env)).code, 4, 'without the file the pull is refused');
  });

  it('$XDG_RUNTIME_DIR/containers/auth.json (where skopeo login writes by default)', async () => {
    const h = await freshHome(cleanups);
    const runtime = join(h.home, 'run');
    await mkdir(runtime, { mode: 0o700 });
    await skopeoLogin(token, { HOME: h.home, XDG_RUNTIME_DIR: runtime });
    await readFile(join(runtime, 'containers', 'auth.json'), 'utf8');
    const r = await pull(token, 'private/app', { ...h.env, XDG_RUNTIME_DIR: runtime });
    assert.equal(r.code, 0, r.stderr);
  });

  it('~/.config/containers/auth.json ($XDG_CONFIG_HOME), also when the primary file lacks the registry', async () => {
    const h = await freshHome(cleanups);
    await mkdir(join(h.home, '.config', 'containers'), { recursive: true });
    await writeFile(join(h.home, '.config', 'containers', 'auth.json'), auths({ [basic.host]: PASSWORD }));
    const runtime = join(h.home, 'run');
    await mkdir(join(runtime, 'containers'), { recursive: true });
    await writeFile(join(runtime, 'containers', 'auth.json'), auths({ 'quay.io': 'unrelated' }));
    const r = await pull(basic, 'private/app', { ...h.env, XDG_RUNTIME_DIR: runtime });
    assert.equal(r.code, 0, r.stderr);
  });

  it('a namespace key wins over the host key, and applies only under its namespace', async () => {
    const h = await freshHome(cleanups);
    const file = join(h.home, 'auth.json');
    await writeFile(file, auths({ [`${token.host}/private`]: PASSWORD, [token.host]: 'wrong-password' }));
    const env = { ...h.env, REGISTRY_AUTH_FILE: file };
    const r = await pull(token, 'private/app', env);
    assert.equal(r.code, 0, r.stderr);
    token.token!.clearRequests();
    const other = await pull(token, 'other/app', env);
    assert.equal(other.code, 4, 'the host key (a wrong password) is what applies outside the namespace');
    assert.ok(
      token.token!.requests.some((q) => q.basicAuth && q.status === 401),
      JSON.stringify(token.token!.requests),
    );
  });

  it("skopeo login with DOCKER_CONFIG set writes $DOCKER_CONFIG/config.json, which regctl reads as Docker's", async () => {
    const h = await freshHome(cleanups);
    await skopeoLogin(basic, { HOME: h.home, DOCKER_CONFIG: h.dockerDir });
    assert.match(await readFile(join(h.dockerDir, 'config.json'), 'utf8'), /"auths"/);
    const r = await pull(basic, 'private/app', h.env);
    assert.equal(r.code, 0, r.stderr);
  });

  it("is read after Docker's config.json ($DOCKER_CONFIG)", async () => {
    const h = await freshHome(cleanups);
    const file = join(h.home, 'auth.json');
    await writeFile(file, auths({ [basic.host]: PASSWORD }));
    await writeFile(join(h.dockerDir, 'config.json'), auths({ [basic.host]: 'docker-has-a-stale-password' }));
    const r = await pull(basic, 'private/app', { ...h.env, REGISTRY_AUTH_FILE: file });
    assert.equal(r.code, 4, "Docker's entry came first");
    await writeFile(join(h.dockerDir, 'config.json'), auths({ 'other.example': 'x' }));
    assert.equal((await pull(basic, 'private/app', { ...h.env, REGISTRY_AUTH_FILE: file })).code, 0);
  });
});
