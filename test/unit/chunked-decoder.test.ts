import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChunkedDecoder } from '../../src/http/chunked-decoder.js';

/** Decodes `wire` fed in pieces of `step` bytes; returns the body and how many wire bytes were the body's. */
function decode(wire: string, step: number): { body: string; used: number; done: boolean } {
  const parts: Buffer[] = [];
  const d = new ChunkedDecoder((data) => parts.push(Buffer.from(data)));
  const bytes = Buffer.from(wire, 'latin1');
  let used = 0;
  for (let i = 0; i < bytes.length; i += step) {
    const piece = bytes.subarray(i, i + step);
    const n = d.push(piece);
    used += n;
    if (n < piece.length) break;
  }
  return { body: Buffer.concat(parts).toString('latin1'), used, done: d.done };
}

describe('chunked body decoding (RFC 9112 §7.1)', () => {
  const wire = '5\r\nhello\r\n1;ext=1\r\n \r\nA\r\n0123456789\r\n0\r\nx-trailer: 1\r\n\r\n';
  it('gives the same body whatever the read boundaries, and stops at its end', () => {
    for (const step of [1, 2, 3, 7, 64]) {
      const r = decode(`${wire}HTTP/1.1 200 OK`, step);
      assert.equal(r.body, 'hello 0123456789', `step ${step}`);
      assert.equal(r.done, true);
      assert.equal(r.used, wire.length, `step ${step}`);
    }
  });
  it('an empty body is the last chunk alone', () => {
    assert.deepEqual(decode('0\r\n\r\n', 64), { body: '', used: 5, done: true });
  });
  it('is not done before the trailer section ends', () => {
    assert.equal(decode('3\r\nabc\r\n0\r\n', 64).done, false);
  });
  it('refuses a bad size, data longer than its size, a bare LF and an endless line', () => {
    assert.throws(() => decode('zz\r\nabc\r\n', 64), /invalid chunk size/);
    assert.throws(() => decode('2\r\nabc\r\n', 64), /longer than its chunk size/);
    assert.throws(() => decode('3\nabc\r\n', 64), /bare LF/);
    assert.throws(() => decode('1'.repeat(5000), 64), /line too long/);
  });
});
