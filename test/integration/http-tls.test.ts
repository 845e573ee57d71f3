import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTransport, type Transport } from '../../src/http/transport.js';
import { RegctlError } from '../../src/errors.js';
import { startScriptedServer, sendJson } from '../support/scripted-server.js';
import { generateTls } from '../support/tls.js';

// Integration tier: the certificates are made with openssl.

function transport(extra: Partial<Parameters<typeof createTransport>[0]> = {}): Transport {
  return createTransport({ userAgent: 'regctl/test', retry: { maxRetries: 3, minTimeout: 10, maxTimeout: 2000 }, env: {}, ...extra });
}

test('TLS: self-signed registry is refused, trusted with --ca-cert, accepted when insecure', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'regctl-tls-'));
  const mat = await generateTls(dir);
  const srv = await startScriptedServer((_q, res) => sendJson(res, 200, { tls: true }), {
    key: readFileSync(mat.keyFile, 'utf8'),
    cert: readFileSync(mat.certFile, 'utf8'),
  });
  t.after(async () => {
    await srv.close();
    await rm(dir, { recursive: true, force: true });
  });

  const plain = transport();
  assert.equal(
    await plain.baseUrl(srv.host).catch((e: Error) => e.message),
    `TLS certificate of ${srv.host} cannot be verified (UNABLE_TO_VERIFY_LEAF_SIGNATURE); pass --ca-cert FILE, set "ca" for this registry in the config, or add the CA to certs.d or the system store`,
  );
  await plain.close();

  const withCa = transport({ caCertFiles: [mat.caFile] });
  assert.equal(await withCa.baseUrl(srv.host), `https://${srv.host}`);
  const res = await withCa.request({ method: 'GET', url: `https://${srv.host}/v2/` });
  assert.equal(res.status, 200);
  res.body.resume();
  await withCa.close();

  const perHost = transport({ perHostCa: (h) => (h === srv.host ? [mat.caFile] : undefined) });
  assert.equal((await perHost.request({ method: 'GET', url: `https://localhost:${srv.port}/v2/` }).catch((e: Error) => e)) instanceof RegctlError, true);
  const ok = await perHost.request({ method: 'GET', url: `https://${srv.host}/v2/` });
  assert.equal(ok.status, 200);
  ok.body.resume();
  await perHost.close();

  const insecure = transport({ insecureHosts: [srv.host] });
  const r2 = await insecure.request({ method: 'GET', url: `https://${srv.host}/v2/` });
  assert.equal(r2.status, 200);
  r2.body.resume();
  await insecure.close();
});
