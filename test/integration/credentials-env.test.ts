import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCli, tempDir, type CliResult } from '../support/cli.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { PASSWORD, USER, pushPrivate } from './login-helpers.js';

let x: RunningRegistry; // htpasswd registry the CI credentials are for
let y: RunningRegistry; // token registry with a public repository
let z: RunningRegistry; // open registry
const dirs: Array<() => void> = [];

before(async () => {
  [x, y, z] = await Promise.all([startRegistry({ mode: 'basic' }), startRegistry({ mode: 'token', publicPrefix: 'public/' }), startRegistry({ mode: 'open' })]);
  await Promise.all([pushPrivate(x, 'team/app:v1'), pushPrivate(y, 'public/app:v1'), pushPrivate(y, 'private/app:v1'), pushPrivate(z, 'public/app:v1')]);
});

after(async () => {
  await Promise.all([x?.stop(), y?.stop(), z?.stop()]);
  for (const d of dirs) d();
});

function pull(ref: string, env: NodeJS.ProcessEnv, debug = false): Promise<CliResult> {
  const cache = tempDir('regctl-envscope-');
  dirs.push(cache.remove);
  return runCli(['pull', ...(debug ? ['--debug'] : []), '--cache-dir', cache.dir, ref], { env });
}

const CI = { REGCTL_USERNAME: USER, REGCTL_PASSWORD: PASSWORD };

/** The requests of a --debug log, each with the header lines sent with it. */
function debugRequests(stderr: string): Array<{ method: string; url: string; headers: Array<[string, string]> }> {
  const out: Array<{ method: string; url: string; headers: Array<[string, string]> }> = [];
  for (const line of stderr.split('\n')) {
    const req = /^debug: > ([A-Z]+) (\S+)$/.exec(line);
    if (req) {
      out.push({ method: req[1]!, url: req[2]!, headers: [] });
      continue;
    }
    const h = /^debug: > ([a-z0-9-]+): (.*)$/.exec(line);
    if (h && out.length > 0) out.at(-1)!.headers.push([h[1]!, h[2]!]);
  }
  return out;
}

describe('REGCTL_USERNAME/REGCTL_PASSWORD go only to the registries REGCTL_REGISTRY names', () => {
  it('creds scoped to X work for X', async () => {
    const r = await pull(`${x.host}/team/app:v1`, { ...CI, REGCTL_REGISTRY: x.host });
    assert.equal(r.code, 0, r.stderr);
    const two = await pull(`${x.host}/team/app:v1`, { ...CI, REGCTL_REGISTRY: `registry.example.com, ${x.host}` });
    assert.equal(two.code, 0, two.stderr);
    assert.doesNotMatch(r.stderr + two.stderr, /WARNING/);
  });

  it('creds scoped to Y are not sent to X: the private pull from X is refused (exit 4)', async () => {
    const r = await pull(`${x.host}/team/app:v1`, { ...CI, REGCTL_REGISTRY: y.host });
    assert.equal(r.code, 4, r.stderr);
  });

  it('creds scoped to X, a public pull from token registry Y is anonymous and succeeds', async () => {
    y.token!.clearRequests();
    const r = await pull(`${y.host}/public/app:v1`, { ...CI, REGCTL_REGISTRY: x.host });
    assert.equal(r.code, 0, r.stderr);
    const asked = y.token!.requests;
    assert.ok(asked.length > 0, 'the token server was asked');
    assert.deepEqual(
      asked.filter((q) => q.basicAuth || q.user !== null || q.method !== 'GET'),
      [],
      JSON.stringify(asked),
    );
  });

  it('--debug of that pull: no credential-bearing Authorization to Y, none at all to its realm', async () => {
    const r = await pull(`${y.host}/public/app:v1`, { ...CI, REGCTL_REGISTRY: x.host }, true);
    assert.equal(r.code, 0, r.stderr);
    const reqs = debugRequests(r.stderr);
    const realmHost = new URL(y.token!.realm).host;
    const toRealm = reqs.filter((q) => new URL(q.url).host === realmHost);
    const toY = reqs.filter((q) => new URL(q.url).host === y.host);
    assert.ok(toRealm.length > 0 && toY.length > 0, r.stderr);
    assert.deepEqual(
      toRealm.flatMap((q) => q.headers.filter(([k]) => k === 'authorization')),
      [],
      'an authorization header went to the realm',
    );
    // The only Authorization Y sees is the anonymous bearer token its own realm issued.
    assert.deepEqual(
      toY.flatMap((q) => q.headers.filter(([k, v]) => k === 'authorization' && v !== 'Bearer [redacted]')),
      [],
    );
    assert.ok(!r.stderr.includes(PASSWORD) && !r.stderr.includes(Buffer.from(`${USER}:${PASSWORD}`).toString('base64')));
  });

  it('--debug of a pull from an open registry while creds are scoped elsewhere: no authorization header at all', async () => {
    const r = await pull(`${z.host}/public/app:v1`, { ...CI, REGCTL_REGISTRY: x.host }, true);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(debugRequests(r.stderr).length > 0, r.stderr);
    assert.doesNotMatch(r.stderr, /^debug: > authorization:/m);
  });

  it('without REGCTL_REGISTRY they are ignored, with one warning line naming it', async () => {
    const pub = await pull(`${y.host}/public/app:v1`, { ...CI });
    assert.equal(pub.code, 0, pub.stderr);
    const warnings = pub.stderr.split('\n').filter((l) => l.includes('REGCTL_REGISTRY'));
    assert.deepEqual(warnings, [
      'WARNING: REGCTL_USERNAME/REGCTL_PASSWORD are ignored: set REGCTL_REGISTRY to the registry (or comma-separated registries) they are for',
    ]);

    const priv = await pull(`${x.host}/team/app:v1`, { ...CI });
    assert.equal(priv.code, 4, priv.stderr);
    assert.equal(priv.stderr.split('\n').filter((l) => l.includes('REGCTL_REGISTRY')).length, 1, priv.stderr);
  });
});
