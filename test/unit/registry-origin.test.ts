import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRegistryOrigin, registryOriginUrl } from '../../src/registry/registry-origin.js';
import { RegistryClient } from '../../src/registry/client.js';
import { AuthClient } from '../../src/auth/client.js';
import { createTransport } from '../../src/http/transport.js';
import { nextLink } from '../../src/registry/next-link.js';
import { RegctlError } from '../../src/errors.js';
import { startScriptedServer } from '../support/scripted-server.js';

test("a registry-chosen URL is followed only on the registry's origin (an http→https upgrade allowed)", () => {
  const table: Array<[string, string, boolean]> = [
    // [URL, registry request URL, own origin]
    ['https://reg.example/v2/a/tags/list?last=b', 'https://reg.example/v2/a/tags/list', true],
    ['https://reg.example:443/v2/x', 'https://reg.example/v2/x', true],
    ['https://reg.example:5000/v2/x', 'https://reg.example/v2/x', false],
    ['https://other.example/v2/x', 'https://reg.example/v2/x', false],
    ['https://sub.reg.example/v2/x', 'https://reg.example/v2/x', false],
    ['http://reg.example/v2/x', 'https://reg.example/v2/x', false],
    ['https://127.0.0.1:5000/v2/x', 'http://127.0.0.1:5000/v2/x', true],
    ['http://127.0.0.1:5000/v2/x', 'http://127.0.0.1:5000/v2/y', true],
    ['http://localhost:5000/v2/x', 'http://127.0.0.1:5000/v2/y', false],
    ['http://127.0.0.1:5001/v2/x', 'http://127.0.0.1:5000/v2/y', false],
  ];
  for (const [url, reg, own] of table) assert.equal(isRegistryOrigin(new URL(url), new URL(reg)), own, `${url} from ${reg}`);

  assert.equal(
    registryOriginUrl('/v2/a/tags/list?last=b&n=2', 'http://127.0.0.1:5000/v2/a/tags/list', 'http://127.0.0.1:5000/v2/a/tags/list', 'r', 'a Link header'),
    'http://127.0.0.1:5000/v2/a/tags/list?last=b&n=2',
  );
  // A relative URL is resolved against the URL that answered: after a redirect elsewhere it is elsewhere.
  assert.throws(
    () => registryOriginUrl('/v2/next', 'https://cdn.example/list', 'https://reg.example/v2/a/tags/list', 'reg.example', 'a Link header'),
    /pointing at another host \(cdn\.example\)/,
  );
  assert.throws(
    () => registryOriginUrl('http://reg.example/u/1', 'https://reg.example/v2/', 'https://reg.example/v2/', 'reg.example', 'an upload Location header'),
    (err: unknown) => {
      assert.ok(err instanceof RegctlError);
      assert.equal(err.exitCode, 1);
      assert.equal(
        err.message,
        "registry reg.example sent an upload Location header pointing at http://reg.example; refused: regctl follows it only on the registry's own host",
      );
      return true;
    },
  );
  assert.throws(
    () => registryOriginUrl('http://[', 'https://reg.example/', 'https://reg.example/', 'reg.example', 'a Link header'),
    /sent a Link header that is not a valid URL$/,
  );
});

test('nextLink picks rel="next" as written', () => {
  assert.equal(nextLink('</v2/a/tags/list?last=b>; rel="next"'), '/v2/a/tags/list?last=b');
  assert.equal(nextLink('<https://x/prev>; rel="prev", <https://x/next>; rel=next'), 'https://x/next');
  assert.equal(nextLink(undefined), undefined);
});

test('RegistryClient refuses an absolute URL on another host before anything is sent', async (t) => {
  const other = await startScriptedServer((_q, res) => {
    res.end();
  });
  const reg = await startScriptedServer((_q, res) => {
    res.end();
  });
  const tr = createTransport({ userAgent: 't', env: {} });
  const asked: string[] = [];
  const client = new RegistryClient(
    new AuthClient({
      transport: tr,
      credentials: async (h) => {
        asked.push(h);
        return undefined;
      },
    }),
    reg.host,
    reg.host,
  );
  t.after(async () => {
    await tr.close();
    await reg.close();
    await other.close();
  });
  await assert.rejects(client.request({ method: 'PUT', path: `http://localhost:${other.port}/upload/1` }), (err: unknown) => {
    assert.ok(err instanceof RegctlError);
    assert.equal(err.message, `refusing to send a request for registry ${reg.host} to localhost:${other.port}, which is not the registry's own host`);
    return true;
  });
  assert.equal(other.requests.length, 0);
  assert.deepEqual(asked, []);
  assert.equal(await client.url(`${reg.url}/v2/a/blobs/uploads/1`), `${reg.url}/v2/a/blobs/uploads/1`);
});
