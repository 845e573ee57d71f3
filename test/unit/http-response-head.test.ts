import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bodyFraming, headEnd, parseResponseHead } from '../../src/http/response-head.js';

test('parseResponseHead reads HTTP/1.x status lines and fields; anything unusual is undefined', () => {
  const ok = parseResponseHead('HTTP/1.1 206 Partial Content\r\nContent-Length: 10\r\nSet-Cookie: a\r\nset-cookie: b\r\nX-Empty:\r\nETag:  "x" ');
  assert.deepEqual(ok, {
    minor: 1,
    status: 206,
    reason: 'Partial Content',
    headers: { 'content-length': '10', 'set-cookie': ['a', 'b'], 'x-empty': '', etag: '"x"' },
  });
  assert.equal(parseResponseHead('HTTP/1.0 200')?.minor, 0);
  assert.equal(parseResponseHead('HTTP/1.1 200')?.reason, '');
  for (const odd of [
    'HTTP/2 200 OK',
    'HTTP/1.1 20 OK',
    'HTTP/1.1 099 Odd',
    'ICY 200 OK',
    'HTTP/1.1 200 OK\r\nno colon here',
    'HTTP/1.1 200 OK\r\n folded: value',
    'HTTP/1.1 200 OK\r\nbad name: x',
    'HTTP/1.1 200 OK\r\n: empty name',
  ]) {
    assert.equal(parseResponseHead(odd), undefined, JSON.stringify(odd));
  }
});

test('bodyFraming accepts one Content-Length, chunked alone (or none for 204/304) and leaves everything else to undici', () => {
  const frame = (fields: string): ReturnType<typeof bodyFraming> => bodyFraming(parseResponseHead(`HTTP/1.1 200 OK${fields}`)!);
  assert.deepEqual(frame('\r\ncontent-length: 42'), { kind: 'length', length: 42 });
  assert.deepEqual(frame('\r\ncontent-length: 42\r\ncontent-length: 42'), { kind: 'length', length: 42 });
  assert.deepEqual(frame('\r\ncontent-length: 42, 42'), { kind: 'length', length: 42 });
  assert.equal(frame('\r\ncontent-length: 42\r\ncontent-length: 43').kind, 'unsupported');
  assert.equal(frame('\r\ncontent-length: -1').kind, 'unsupported');
  assert.equal(frame('\r\ncontent-length: 1e3').kind, 'unsupported');
  assert.deepEqual(frame('\r\ntransfer-encoding: chunked'), { kind: 'chunked' });
  assert.deepEqual(frame('\r\ntransfer-encoding: Chunked '), { kind: 'chunked' });
  assert.equal(frame('\r\ntransfer-encoding: gzip, chunked').kind, 'unsupported');
  assert.equal(frame('\r\ncontent-length: 5\r\ntransfer-encoding: chunked').kind, 'unsupported');
  assert.equal(frame('').kind, 'unsupported', 'close-delimited');
  assert.deepEqual(bodyFraming(parseResponseHead('HTTP/1.1 204 No Content')!), { kind: 'none' });
  assert.deepEqual(bodyFraming(parseResponseHead('HTTP/1.1 304 Not Modified\r\ncontent-length: 9')!), { kind: 'none' });
  assert.equal(bodyFraming(parseResponseHead('HTTP/1.1 100 Continue')!).kind, 'unsupported');
});

test('headEnd finds the end of the head, or -1 before it arrived', () => {
  assert.equal(headEnd(Buffer.from('HTTP/1.1 200 OK\r\n\r\nbody')), 19);
  assert.equal(headEnd(Buffer.from('HTTP/1.1 200 OK\r\n\r')), -1);
  assert.equal(headEnd(Buffer.from('xxHTTP/1.1 200 OK\r\n\r\n').subarray(2)), 19);
});
