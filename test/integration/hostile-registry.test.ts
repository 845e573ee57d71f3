import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CommandIo } from '../../src/commands/io.js';
import { pull } from '../../src/commands/pull.js';
import { push } from '../../src/commands/push.js';
import { tags } from '../../src/commands/tags.js';
import { RegctlError } from '../../src/errors.js';
import { Session } from '../../src/session.js';
import { runCli, tempDir } from '../support/cli.js';
import { startHostileRegistry, type HostileOptions, type HostileRegistry } from '../support/hostile-registry.js';
import { buildRandomImage } from '../support/random-image.js';

/** A quiet CommandIo that keeps what a command writes. */
function collectingIo(): CommandIo & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    out: (l) => lines.push(l),
    err: (l) => lines.push(l),
    status: () => undefined,
    stdoutIsTTY: false,
    stdinIsTTY: false,
    stdin: process.stdin,
    stdoutStream: process.stdout,
  };
}

interface Run {
  h: HostileRegistry;
  /** Every credential lookup: "host repository". */
  lookups: string[];
  session: Session;
}

/**
 * A session against a hostile registry, in-process so the other host can have a non-loopback name. The
 * other host is configured insecure unless `trustForeign` is false, so plain HTTP never stops a request
 * to it: only the rule under test does. REGCTL_* credentials are scoped to the registry.
 */
async function hostile(t: { after: (fn: () => Promise<void> | void) => void }, options: HostileOptions, trustForeign = true): Promise<Run> {
  const h = await startHostileRegistry(options);
  const dir = tempDir('regctl-hostile-');
  const lookups: string[] = [];
  const session = await Session.create({
    cacheDir: `${dir.dir}/cache`,
    configDir: `${dir.dir}/config`,
    env: {
      HOME: dir.dir,
      DOCKER_CONFIG: `${dir.dir}/docker`,
      XDG_RUNTIME_DIR: dir.dir,
      XDG_CONFIG_HOME: `${dir.dir}/xdg`,
      REGCTL_USERNAME: h.user,
      REGCTL_PASSWORD: h.password,
      REGCTL_REGISTRY: h.host,
    },
    insecureRegistries: trustForeign ? [h.foreignHost] : [],
    lookup: h.lookup,
    credentialStores: [
      {
        get: async (server, repository) => {
          lookups.push(`${server} ${repository ?? ''}`.trim());
          return undefined;
        },
      },
    ],
  });
  t.after(async () => {
    await session.close();
    await h.close();
    dir.remove();
  });
  return { h, lookups, session };
}

/** Runs a command and returns the RegctlError it must fail with. */
async function failure(body: () => Promise<unknown>): Promise<RegctlError> {
  try {
    await body();
  } catch (err) {
    assert.ok(err instanceof RegctlError, `not a RegctlError: ${String(err)}`);
    assert.ok(!err.message.includes('\n'), `more than one line: ${err.message}`);
    return err;
  }
  assert.fail('the command succeeded');
}

function assertNothingForeign(run: Run): void {
  assert.deepEqual(run.h.leaks(), [], 'the other host received a credential');
  const foreignName = run.h.foreignHost.split(':')[0]!;
  assert.deepEqual(
    run.lookups.filter((l) => l.startsWith(foreignName)),
    [],
    'a credential was looked up for the other host',
  );
  assert.ok(
    run.lookups.every((l) => l.startsWith(run.h.host)),
    run.lookups.join(', '),
  );
}

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('a hostile registry gets no credential to another host (in-process, non-loopback name)', () => {
  it('blob redirect to a storage host with its own Bearer challenge: exit 4, the storage host gets nothing', async (t) => {
    const run = await hostile(t, { mode: 'storage-challenge' });
    const name = `${run.h.host}/team/app:v1`;
    const err = await failure(() => pull(run.session, { reference: name }, collectingIo()));
    assert.equal(err.exitCode, 4);
    assert.match(
      err.message,
      new RegExp(
        `^${esc(name)}: ${esc(run.h.foreignHost)}, to which ${esc(run.h.host)} redirected a request for ${esc(run.h.host)}/team/app, asked for its own authentication \\(401\\); regctl sends no credentials to a host it was redirected to$`,
      ),
    );
    const blobGets = run.h.foreignRequests.filter((r) => r.url.startsWith('/blobs/'));
    assert.ok(blobGets.length > 0, 'the redirect was followed (the storage host was reachable)');
    assert.deepEqual(
      run.h.foreignRequests.filter((r) => r.url.startsWith('/token')),
      [],
      "the storage host's realm was never asked",
    );
    assertNothingForeign(run);
  });

  it('blob redirect to plain HTTP on a host that is not loopback or insecure: exit 5, nothing sent there', async (t) => {
    const run = await hostile(t, { mode: 'storage-challenge' }, false);
    const err = await failure(() => pull(run.session, { reference: `${run.h.host}/team/app:v1` }, collectingIo()));
    assert.equal(err.exitCode, 5);
    assert.match(
      err.message,
      new RegExp(
        `refusing to follow a redirect from ${esc(run.h.host)} to plain-HTTP http://${esc(run.h.foreignHost)}: plain HTTP is used only for loopback and insecure hosts`,
      ),
    );
    assert.equal(run.h.foreignRequests.length, 0);
    assertNothingForeign(run);
  });

  it('tags: a Link rel="next" on another host is refused (exit 1) and never requested', async (t) => {
    const run = await hostile(t, { mode: 'foreign-link' });
    const err = await failure(() => tags(run.session, { repository: `${run.h.host}/team/app` }, collectingIo()));
    assert.equal(err.exitCode, 1);
    assert.match(
      err.message,
      new RegExp(
        `registry ${esc(run.h.host)} sent a Link header pointing at another host \\(${esc(run.h.foreignHost)}\\); refused: regctl follows it only on the registry's own host$`,
      ),
    );
    assert.equal(run.h.foreignRequests.length, 0);
    assert.ok(
      run.h.registryRequests.some((r) => r.url.includes('/tags/list') && r.headers.authorization),
      'the registry itself did get the credentials',
    );
    assertNothingForeign(run);
  });

  it('push: an upload Location on another host is refused (exit 1) and never requested', async (t) => {
    const run = await hostile(t, { mode: 'foreign-location' });
    const name = `${run.h.host}/team/app:v1`;
    await buildRandomImage((await run.session.cache()).store, { seed: 'hostile-push', layers: 1, layerSize: 1024, tag: name });
    const err = await failure(() => push(run.session, { reference: name, quiet: true }, collectingIo()));
    assert.equal(err.exitCode, 1);
    assert.match(
      err.message,
      new RegExp(`registry ${esc(run.h.host)} sent an upload Location header pointing at another host \\(${esc(run.h.foreignHost)}\\); refused`),
    );
    assert.equal(run.h.foreignRequests.length, 0);
    assertNothingForeign(run);
  });

  for (const tokenRequest of ['post', 'get'] as const) {
    it(`a 307 answer to the token ${tokenRequest === 'post' ? 'POST (password grant)' : 'GET with Basic credentials'} is not followed: exit 4`, async (t) => {
      const run = await hostile(t, { mode: 'token-redirect', tokenRequest });
      const name = `${run.h.host}/team/app:v1`;
      const err = await failure(() => pull(run.session, { reference: name }, collectingIo()));
      assert.equal(err.exitCode, 4);
      assert.match(
        err.message,
        new RegExp(
          `token request for ${esc(run.h.host)} \\(token server ${esc(run.h.host)}\\) was redirected to ${esc(run.h.foreignHost)} \\(HTTP 307\\); regctl does not follow redirects of token requests$`,
        ),
      );
      const asked = run.h.registryRequests.filter((r) => r.url.startsWith('/token'));
      assert.equal(asked.at(-1)?.method, tokenRequest.toUpperCase(), 'the password went only to the realm the registry named');
      assert.equal(run.h.foreignRequests.length, 0);
      assertNothingForeign(run);
    });
  }
});

describe('the same refusals through bin/regctl (the other host is localhost: another origin than 127.0.0.1)', () => {
  const cases: Array<{ mode: HostileOptions['mode']; args: (h: HostileRegistry) => string[]; code: number; line: RegExp }> = [
    {
      mode: 'storage-challenge',
      args: (h) => ['pull', `${h.host}/team/app:v1`],
      code: 4,
      line: /asked for its own authentication \(401\); regctl sends no credentials to a host it was redirected to$/,
    },
    {
      mode: 'foreign-link',
      args: (h) => ['tags', `${h.host}/team/app`],
      code: 1,
      line: /sent a Link header pointing at another host \(localhost:\d+\); refused/,
    },
    {
      mode: 'token-redirect',
      args: (h) => ['pull', `${h.host}/team/app:v1`],
      code: 4,
      line: /was redirected to localhost:\d+ \(HTTP 307\); regctl does not follow redirects of token requests$/,
    },
  ];
  for (const c of cases) {
    it(`${c.mode}: exit ${c.code}, one error line, nothing to the other host`, async (t) => {
      const h = await startHostileRegistry({ mode: c.mode, foreignName: 'localhost' });
      const dir = tempDir('regctl-hostile-cli-');
      t.after(async () => {
        await h.close();
        dir.remove();
      });
      const r = await runCli(['--cache-dir', dir.dir, ...c.args(h)], {
        env: { REGCTL_USERNAME: h.user, REGCTL_PASSWORD: h.password, REGCTL_REGISTRY: h.host },
      });
      assert.equal(r.code, c.code, r.stderr);
      assert.equal(r.stdout, '');
      const errors = r.stderr.split('\n').filter((l) => l.startsWith('Error:'));
      assert.equal(errors.length, 1, r.stderr);
      assert.match(errors[0]!, c.line);
      assert.ok(!r.stderr.includes(h.password));
      assert.deepEqual(h.leaks(), []);
      if (c.mode !== 'storage-challenge') assert.equal(h.foreignRequests.length, 0);
    });
  }
});
