import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { test, type TestContext } from 'node:test';
import { FastClient } from '../../src/http/fast-client.js';
import { createConnector } from '../../src/http/tls-connector.js';
import { createTransport, type Transport, type TransportResponse } from '../../src/http/transport.js';
import { RegctlError } from '../../src/errors.js';
import { SourceReadable, type ChunkSource, type ChunkWriter } from '../../src/util/chunk-source.js';
import { readStream } from '../../src/content/read-all.js';

const MIB = 1024 * 1024;

/** A body of `size` bytes made of one repeated 1 MiB pattern, written in 1 MiB pieces; counts its pumps. */
function patternSource(size: number, replayable: boolean): ChunkSource & { pumps: number; cancelled: boolean } {
  const piece = Buffer.alloc(MIB);
  for (let i = 0; i < MIB; i++) piece[i] = (i * 31) & 0xff;
  return {
    size,
    replayable,
    pumps: 0,
    cancelled: false,
    async pump(write: ChunkWriter): Promise<void> {
      this.pumps++;
      for (let at = 0; at < size; at += MIB) await write(piece.subarray(0, Math.min(MIB, size - at)));
    },
    cancel(): void {
      this.cancelled = true;
    },
  };
}

function sha(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}

/** A node:http server on 127.0.0.1:0 that counts connections and records each request's body. */
async function httpServer(t: TestContext, answer: (body: Buffer, n: number) => { status: number; headers?: Record<string, string> }) {
  const bodies: Buffer[] = [];
  let connections = 0;
  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const body = Buffer.concat(parts);
      bodies.push(body);
      const a = answer(body, bodies.length);
      res.writeHead(a.status, { 'content-length': '0', ...a.headers });
      res.end();
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bodies, connections: () => connections };
}

/** A raw TCP server on 127.0.0.1:0: `onSocket` scripts each connection. */
async function rawServer(t: TestContext, onSocket: (socket: Socket, n: number) => void): Promise<{ url: string; host: string }> {
  const sockets: Socket[] = [];
  const server = createNetServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    onSocket(socket, sockets.length);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: `http://${host}`, host };
}

function transport(t: TestContext, timeoutMs = 10_000): { tr: Transport; debug: string[] } {
  const debug: string[] = [];
  const tr = createTransport({ userAgent: 'x', env: {}, debug: (l) => debug.push(l), timeoutMs });
  t.after(() => tr.close());
  return { tr, debug };
}

function put(tr: Transport, url: string, source: ChunkSource, headers: Record<string, string> = {}): Promise<TransportResponse> {
  return tr.request({
    method: 'PUT',
    url: `${url}/v2/a/blobs/uploads/1?digest=x`,
    headers: { 'content-length': String(source.size), 'content-type': 'application/octet-stream', ...headers },
    body: new SourceReadable(source),
    fast: true,
  });
}

/** A JSON error answer written on a raw socket. */
function rawAnswer(socket: Socket, status: string, body: string, extra = ''): void {
  socket.write(`HTTP/1.1 ${status}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`);
}

test('a PUT body of known length goes through the socket fast path whole, on one kept-alive connection', async (t) => {
  const srv = await httpServer(t, () => ({ status: 201 }));
  const { tr, debug } = transport(t);
  for (let i = 0; i < 2; i++) {
    const source = patternSource(5 * MIB + 123, false);
    const res = await put(tr, srv.url, source);
    assert.equal(res.status, 201);
    assert.equal(source.pumps, 1);
  }
  const expected = Buffer.alloc(0);
  const again = patternSource(5 * MIB + 123, false);
  const parts: Buffer[] = [expected];
  await again.pump((c) => void parts.push(Buffer.from(c)));
  assert.deepEqual(srv.bodies.map(sha), [sha(Buffer.concat(parts)), sha(Buffer.concat(parts))]);
  assert.equal(srv.connections(), 1);
  assert.equal(debug.filter((l) => /socket fast path/.test(l)).length, 2, debug.join('\n'));
  assert.ok(debug.some((l) => /PUT .*\/v2\/a\/blobs\/uploads\/1/.test(l)));
});

for (const [status, code] of [
  ['413 Request Entity Too Large', 413],
  ['401 Unauthorized', 401],
] as const) {
  test(`an early ${code} answer mid-body stops the writing and stands; the connection is not reused`, async (t) => {
    const srv = await rawServer(t, (socket, n) => {
      let got = 0;
      socket.on('data', (c: Buffer) => {
        got += c.length;
        if (n === 1 && got > MIB && !socket.destroyed && got - c.length <= MIB) {
          rawAnswer(socket, status, '{"errors":[{"code":"SIZE_INVALID","message":"too big"}]}', code === 401 ? 'www-authenticate: Bearer realm="x"\r\n' : '');
          // Like a proxy with a body limit: stop reading, then close.
          socket.pause();
          setTimeout(() => socket.destroy(), 100);
        }
        if (n > 1 && got > 0 && !socket.destroyed) rawAnswer(socket, '201 Created', '');
      });
    });
    const { tr } = transport(t);
    const source = patternSource(64 * MIB, false);
    const res = await put(tr, srv.url, source);
    assert.equal(res.status, code);
    assert.match((await readStream(res.body, 4096, 'error body')).toString(), /SIZE_INVALID/);
  });
}

test('a server that closes mid-body: a network error naming the host (exit 5)', async (t) => {
  const srv = await rawServer(t, (socket) => {
    let got = 0;
    socket.on('data', (c: Buffer) => {
      got += c.length;
      if (got > 2 * MIB) socket.destroy();
    });
  });
  const { tr } = transport(t);
  await assert.rejects(put(tr, srv.url, patternSource(32 * MIB, false)), (err: unknown) => {
    assert.ok(err instanceof RegctlError, String(err));
    assert.equal(err.kind, 'network');
    assert.equal(err.exitCode, 5);
    assert.match(err.message, new RegExp(`network error talking to ${srv.host}: the connection was (closed|reset)`));
    return true;
  });
});

test('a server that reads the whole body but never answers: the timeout ends the wait', async (t) => {
  const srv = await rawServer(t, (socket) => socket.resume());
  const { tr } = transport(t, 300);
  await assert.rejects(
    put(tr, srv.url, patternSource(3 * MIB, false)),
    /network error talking to 127\.0\.0\.1:\d+: no response within the timeout \(--timeout\)/,
  );
});

test('a server that stops reading the body (backpressure forever): the timeout ends the upload', async (t) => {
  const srv = await rawServer(t, (socket) => socket.pause());
  const { tr } = transport(t, 300);
  await assert.rejects(
    put(tr, srv.url, patternSource(256 * MIB, false)),
    /network error talking to 127\.0\.0\.1:\d+: the server stopped taking the upload: no progress within the timeout \(--timeout\)/,
  );
});

test('a header value with CR/LF never reaches the wire: the fast path declines before taking the body', async (t) => {
  const seen: string[] = [];
  const srv = await rawServer(t, (socket) => socket.on('data', (c: Buffer) => seen.push(c.toString('latin1'))));
  const { tr } = transport(t);
  const source = patternSource(MIB, false);
  await assert.rejects(put(tr, srv.url, source, { 'x-evil': 'a\r\nx-injected: 1' }));
  assert.equal(source.pumps, 0, 'the body was not sent');
  assert.ok(!seen.join('').includes('x-injected'), 'an injected header reached the server');
});

test('HTTP/1.0 and "connection: close" answers: the upload succeeds and the connection is not reused', async (t) => {
  const srv = await rawServer(t, (socket, n) => {
    let got = 0;
    socket.on('data', (c: Buffer) => {
      got += c.length;
      if (got >= 2 * MIB - 200) {
        socket.end(n === 1 ? 'HTTP/1.0 201 Created\r\ncontent-length: 0\r\n\r\n' : 'HTTP/1.1 201 Created\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
      }
    });
  });
  const { tr, debug } = transport(t);
  for (let i = 0; i < 2; i++) assert.equal((await put(tr, srv.url, patternSource(2 * MIB - 200, false))).status, 201);
  assert.equal(debug.filter((l) => /socket fast path, new connection/.test(l)).length, 2, debug.join('\n'));
});

for (const replayable of [true, false]) {
  test(`a kept-alive connection closed by the server under the next upload: ${replayable ? 'a replayable body is sent again on a fresh connection' : 'a one-shot body already started is not replayed: a network error'}`, async (t) => {
    const srv = await rawServer(t, (socket, n) => {
      let got = 0;
      let answered = 0;
      socket.on('data', (c: Buffer) => {
        got += c.length;
        // The first connection answers its first request, then drops the second before answering.
        if (n === 1 && answered === 1) return void socket.destroy();
        if (got >= MIB + 100 * (answered + 1)) {
          answered++;
          got = 0;
          socket.write('HTTP/1.1 201 Created\r\ncontent-length: 0\r\n\r\n');
        }
      });
    });
    const { tr } = transport(t);
    assert.equal((await put(tr, srv.url, patternSource(MIB, false))).status, 201);
    const source = patternSource(MIB, replayable);
    if (replayable) {
      assert.equal((await put(tr, srv.url, source)).status, 201);
      assert.equal(source.pumps, 2);
    } else {
      await assert.rejects(put(tr, srv.url, source), (err: unknown) => err instanceof RegctlError && err.kind === 'network');
      assert.equal(source.pumps, 1);
    }
  });
}

test('the same uploads through undici when the fast path is off: the body arrives whole', async (t) => {
  const srv = await httpServer(t, () => ({ status: 201 }));
  const tr = createTransport({ userAgent: 'x', env: {}, fastPath: false });
  t.after(() => tr.close());
  const source = patternSource(3 * MIB + 7, false);
  assert.equal((await put(tr, srv.url, source)).status, 201);
  assert.equal(srv.bodies[0]?.length, 3 * MIB + 7);
});

test('a sink that takes pieces later (a copy pump) pauses only its own body: a small body read after its connection went on to the next request (regression: a hang)', async (t) => {
  const srv = await countingHttpServer(t, (path) => (path === '/b' ? 100 : 0));
  const fast = new FastClient({ connect: createConnector({}), timeoutMs: 60_000 });
  t.after(() => fast.close());
  const first = await fast.request({ url: new URL(`${srv.url}/a`), method: 'GET', headers: {} });
  assert.ok(first);
  // The whole small body came with the head: the connection is back in the pool and carries the next GET.
  const second = fast.request({ url: new URL(`${srv.url}/b`), method: 'GET', headers: {} });
  await new Promise((r) => setImmediate(r));
  const parts: Buffer[] = [];
  await first.consume(async (c) => {
    parts.push(Buffer.from(c));
    await new Promise((r) => setImmediate(r));
  });
  assert.equal(Buffer.concat(parts).toString(), '/a');
  const res = await second;
  assert.ok(res);
  const later: Buffer[] = [];
  await res.consume(async (c) => void later.push(Buffer.from(c)));
  assert.equal(Buffer.concat(later).toString(), '/b');
  assert.equal(srv.connections(), 1);
});

/** A keep-alive node:http server answering each path with its own name, after `delayMs(path)`. */
async function countingHttpServer(t: TestContext, delayMs: (path: string) => number) {
  let connections = 0;
  const server = createServer((req, res) => {
    setTimeout(
      () => {
        res.writeHead(200, { 'content-length': String(Buffer.byteLength(req.url ?? '')) });
        res.end(req.url);
      },
      delayMs(req.url ?? ''),
    );
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connections: () => connections };
}
