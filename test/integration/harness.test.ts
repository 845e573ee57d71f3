import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:http2';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { skopeoCopy, skopeoInspect, skopeoTlsFor } from '../support/skopeo.js';
import { umociLs } from '../support/tools.js';

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function httpGet(url: string, opts: { headers?: Record<string, string>; ca?: string; method?: string; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = (url.startsWith('https:') ? httpsRequest : httpRequest)(
      url,
      { method: opts.method ?? 'GET', headers: opts.headers, ca: opts.ca, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

const sha256 = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** One-file ustar archive, written by hand so the test needs nothing but node. */
function tarOneFile(name: string, content: Buffer): Buffer {
  const h = Buffer.alloc(512);
  const field = (off: number, len: number, value: string): void => {
    h.write(value, off, len, 'ascii');
  };
  field(0, 100, name);
  field(100, 8, '0000644\0');
  field(108, 8, '0000000\0');
  field(116, 8, '0000000\0');
  field(124, 12, `${content.length.toString(8).padStart(11, '0')}\0`);
  field(136, 12, '00000000000\0');
  field(148, 8, '        ');
  field(156, 1, '0');
  field(257, 8, 'ustar\u000000');
  let sum = 0;
  for (const b of h) sum += b;
  field(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  const pad = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([h, content, pad, Buffer.alloc(1024)]);
}

interface Layout {
  dir: string;
  manifestDigest: string;
  layerDigest: string;
}

async function buildLayout(dir: string): Promise<Layout> {
  const blobs = join(dir, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  const put = async (b: Buffer): Promise<{ digest: string; size: number }> => {
    const digest = sha256(b);
    await writeFile(join(blobs, digest.slice(7)), b);
    return { digest, size: b.length };
  };
  const tar = tarOneFile('hello.txt', Buffer.from('hello from the regctl test harness\n'));
  const layer = await put(gzipSync(tar));
  const config = await put(
    Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        config: {},
        rootfs: { type: 'layers', diff_ids: [sha256(tar)] },
      }),
    ),
  );
  const manifest = await put(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
      }),
    ),
  );
  await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'org.opencontainers.image.ref.name': 'v1' } }],
    }),
  );
  return { dir, manifestDigest: manifest.digest, layerDigest: layer.digest };
}

let tmp = '';
let layout: Layout;
const ACCEPT = { accept: 'application/vnd.oci.image.manifest.v1+json' };

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'regctl-harness-'));
  layout = await buildLayout(join(tmp, 'layout'));
});
after(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** Checks that the image came back intact and that the registry logged the manifest PUT. */
async function assertPushed(reg: RunningRegistry, repo: string, inspect: { json?: unknown }): Promise<void> {
  const info = inspect.json as { Digest: string; Layers: string[] };
  assert.equal(info.Digest, layout.manifestDigest);
  assert.deepEqual(info.Layers, [layout.layerDigest]);
  const log = await reg.accessLog();
  assert.ok(
    log.some((e) => e.method === 'PUT' && e.path === `/v2/${repo}/manifests/v1` && e.status === 201),
    `no manifest PUT in access log: ${JSON.stringify(log.map((e) => `${e.method} ${e.path} ${e.status}`))}`,
  );
}

describe('hand-built OCI layout', () => {
  it('is valid for umoci', async () => {
    assert.deepEqual(await umociLs(layout.dir), ['v1']);
  });
});

describe('open registry', () => {
  let reg: RunningRegistry | undefined;
  before(async () => {
    reg = await startRegistry({ mode: 'open' });
  });
  after(async () => {
    await reg?.stop();
  });

  it('answers /v2/ with 200 and round-trips an image through skopeo', async () => {
    const r = reg!;
    assert.match(r.host, /^127\.0\.0\.1:\d+$/);
    assert.equal((await httpGet(`${r.url}/v2/`)).status, 200);
    await skopeoCopy(`oci:${layout.dir}:v1`, `docker://${r.host}/harness/open:v1`);
    await assertPushed(r, 'harness/open', await skopeoInspect(`docker://${r.host}/harness/open:v1`));
    const log = await r.accessLog();
    assert.ok(log.some((e) => e.method === 'GET' && e.path === '/v2/' && e.status === 200));
  });

  it('clears the access log', async () => {
    const r = reg!;
    await r.clearAccessLog();
    assert.deepEqual(await r.accessLog(), []);
    await httpGet(`${r.url}/v2/harness/open/tags/list?n=5`);
    const log = await r.accessLog();
    assert.equal(log.length, 1);
    assert.deepEqual(
      { ...log[0], time: '', userAgent: '', bytes: 0 },
      { method: 'GET', path: '/v2/harness/open/tags/list', query: 'n=5', status: 200, protocol: 'HTTP/1.1', time: '', userAgent: '', bytes: 0 },
    );
  });
});

describe('basic-auth registry', () => {
  let reg: RunningRegistry | undefined;
  before(async () => {
    reg = await startRegistry({ mode: 'basic' });
  });
  after(async () => {
    await reg?.stop();
  });

  it('challenges with Basic and accepts the bcrypt htpasswd user', async () => {
    const r = reg!;
    const anon = await httpGet(`${r.url}/v2/`);
    assert.equal(anon.status, 401);
    assert.match(String(anon.headers['www-authenticate']), /^Basic realm="[^"]+"/);
    const basic = `Basic ${Buffer.from(`alice:${r.users.alice}`).toString('base64')}`;
    assert.equal((await httpGet(`${r.url}/v2/`, { headers: { authorization: basic } })).status, 200);
  });

  it('pushes and inspects with credentials, refuses without', async () => {
    const r = reg!;
    const creds = `alice:${r.users.alice}`;
    await skopeoCopy(`oci:${layout.dir}:v1`, `docker://${r.host}/harness/basic:v1`, { destCreds: creds });
    await assertPushed(r, 'harness/basic', await skopeoInspect(`docker://${r.host}/harness/basic:v1`, { creds }));
    const anon = await skopeoInspect(`docker://${r.host}/harness/basic:v1`, { check: false });
    assert.notEqual(anon.code, 0);
    const wrong = await skopeoInspect(`docker://${r.host}/harness/basic:v1`, { creds: 'alice:nope', check: false });
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /unauthorized|authentication required/i);
  });
});

describe('token-auth registry', () => {
  let reg: RunningRegistry | undefined;
  before(async () => {
    reg = await startRegistry({ mode: 'token' });
  });
  after(async () => {
    await reg?.stop();
  });

  it('challenges with Bearer realm and service', async () => {
    const r = reg!;
    const anon = await httpGet(`${r.url}/v2/`);
    assert.equal(anon.status, 401);
    assert.equal(anon.headers['www-authenticate'], `Bearer realm="${r.token!.realm}",service="${r.token!.service}"`);
    assert.match(r.token!.keyId, /^([A-Z2-7]{4}:){11}[A-Z2-7]{4}$/);
  });

  it('lets alice push; anonymous pulls only public/ repositories', async () => {
    const r = reg!;
    const t = r.token!;
    const creds = `alice:${r.users.alice}`;
    await skopeoCopy(`oci:${layout.dir}:v1`, `docker://${r.host}/private/app:v1`, { destCreds: creds });
    await skopeoCopy(`oci:${layout.dir}:v1`, `docker://${r.host}/public/app:v1`, { destCreds: creds });
    assert.ok(
      t.requests.some((q) => q.user === 'alice' && q.basicAuth && q.granted.some((g) => g.name === 'private/app' && g.actions.includes('push'))),
      'alice got push',
    );
    await assertPushed(r, 'private/app', await skopeoInspect(`docker://${r.host}/private/app:v1`, { creds }));

    t.clearRequests();
    const priv = await skopeoInspect(`docker://${r.host}/private/app:v1`, { check: false });
    assert.notEqual(priv.code, 0, 'anonymous pull of a private repository must fail');
    const pub = await skopeoInspect(`docker://${r.host}/public/app:v1`);
    assert.equal((pub.json as { Digest: string }).Digest, layout.manifestDigest);
    const anon = t.requests.filter((q) => q.user === null && !q.basicAuth && q.status === 200);
    assert.ok(
      anon.some((q) => q.scopes.includes('repository:private/app:pull') && q.granted.length === 0),
      JSON.stringify(t.requests),
    );
    assert.ok(
      anon.some((q) => q.granted.some((g) => g.name === 'public/app' && g.actions.join() === 'pull')),
      JSON.stringify(t.requests),
    );
  });

  it('serves the OAuth2 POST form with refresh tokens, refuses a wrong password', async () => {
    const r = reg!;
    const t = r.token!;
    const form = (p: Record<string, string>): Promise<Reply> =>
      httpGet(t.realm, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(p).toString(),
      });
    const scope = 'repository:private/app:pull';
    const first = await form({
      grant_type: 'password',
      username: 'alice',
      password: r.users.alice!,
      service: t.service,
      scope,
      client_id: 'regctl',
      access_type: 'offline',
    });
    assert.equal(first.status, 200);
    const refresh = (JSON.parse(first.body) as { refresh_token?: string }).refresh_token;
    assert.ok(refresh);
    const second = await form({ grant_type: 'refresh_token', refresh_token: refresh, service: t.service, scope, client_id: 'regctl' });
    assert.equal(second.status, 200);
    const { access_token: token } = JSON.parse(second.body) as { access_token: string };
    const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { kid: string };
    assert.equal(header.kid, t.keyId);
    const ok = await httpGet(`${r.url}/v2/private/app/manifests/v1`, { headers: { ...ACCEPT, authorization: `Bearer ${token}` } });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers['docker-content-digest'], layout.manifestDigest);

    const anonToken = t.issueToken(null, [scope]);
    const denied = await httpGet(`${r.url}/v2/private/app/manifests/v1`, { headers: { ...ACCEPT, authorization: `Bearer ${anonToken}` } });
    assert.equal(denied.status, 401);
    assert.match(String(denied.headers['www-authenticate']), /insufficient_scope/);

    const bad = await form({ grant_type: 'password', username: 'alice', password: 'nope', service: t.service, scope });
    assert.equal(bad.status, 401);
    const badGet = await httpGet(`${t.realm}?service=${t.service}&scope=${scope}`, {
      headers: { authorization: `Basic ${Buffer.from('alice:nope').toString('base64')}` },
    });
    assert.equal(badGet.status, 401);
  });
});

describe('TLS registry', () => {
  let reg: RunningRegistry | undefined;
  before(async () => {
    reg = await startRegistry({ mode: 'tls' });
  });
  after(async () => {
    await reg?.stop();
  });

  it('verifies against the generated CA for 127.0.0.1 and localhost only', async () => {
    const r = reg!;
    assert.match(r.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const ca = await readFile(r.caFile!, 'utf8');
    assert.equal((await httpGet(`${r.url}/v2/`, { ca })).status, 200);
    assert.equal((await httpGet(`https://localhost:${r.host.split(':')[1]}/v2/`, { ca })).status, 200);
    await assert.rejects(httpGet(`${r.url}/v2/`), /self[- ]signed|unable to verify|certificate/i);
  });

  it('round-trips an image through skopeo with the cert dir', async () => {
    const r = reg!;
    await skopeoCopy(`oci:${layout.dir}:v1`, `docker://${r.host}/harness/tls:v1`, { destTls: skopeoTlsFor(r) });
    await assertPushed(r, 'harness/tls', await skopeoInspect(`docker://${r.host}/harness/tls:v1`, { tls: skopeoTlsFor(r) }));
  });

  it('speaks HTTP/2 when the client offers it', async () => {
    const r = reg!;
    await r.clearAccessLog();
    const ca = await readFile(r.caFile!, 'utf8');
    const status = await new Promise<number>((resolve, reject) => {
      const session = connect(r.url, { ca });
      session.on('error', reject);
      const req = session.request({ ':path': '/v2/' });
      req.on('response', (h) => {
        resolve(Number(h[':status']));
        session.close();
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 200);
    assert.deepEqual(
      (await r.accessLog()).map((e) => `${e.protocol} ${e.path}`),
      ['HTTP/2.0 /v2/'],
    );
  });
});
