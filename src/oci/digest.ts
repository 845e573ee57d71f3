import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { DigestMismatchError, RegctlError } from '../errors.js';

const DIGEST_RE = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

/** True when the string is a sha256 or sha512 digest in canonical lowercase form. */
export function isDigest(value: string): boolean {
  return DIGEST_RE.test(value);
}

/** Splits a digest into algorithm and hex; throws a usage error when it is malformed. */
export function parseDigest(value: string): { algorithm: 'sha256' | 'sha512'; hex: string } {
  if (!isDigest(value)) throw new RegctlError('usage', `invalid digest "${value}"`);
  const [algorithm, hex] = value.split(':') as ['sha256' | 'sha512', string];
  return { algorithm, hex };
}

/** The sha256 digest of a buffer, as `sha256:<hex>`. */
export function sha256Digest(data: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** The digest of a buffer using the same algorithm as `like`. */
export function digestLike(like: string, data: Uint8Array): string {
  const { algorithm } = parseDigest(like);
  return `${algorithm}:${createHash(algorithm).update(data).digest('hex')}`;
}

/** Throws DigestMismatchError unless the bytes have the expected digest (and size, when given). */
export function verifyBytes(data: Uint8Array, expected: { digest: string; size?: number }, what = 'content'): void {
  if (expected.size !== undefined && data.length !== expected.size) {
    throw new RegctlError('integrity', `${what} size mismatch: expected ${expected.size} bytes, got ${data.length}`);
  }
  const actual = digestLike(expected.digest, data);
  if (actual !== expected.digest) throw new DigestMismatchError(expected.digest, actual, what);
}

/** Options of a VerifyingTransform. */
export interface VerifyOptions {
  /** Expected digest (`sha256:…` or `sha512:…`). */
  digest: string;
  /** Expected size in bytes; unchecked when undefined. */
  size?: number;
  /** Bytes already hashed elsewhere, to resume a partial stream: the hash is seeded by the caller. */
  hash?: Hash;
  /** Bytes already counted before this stream (for resumed downloads); default 0. */
  offset?: number;
  /** Name used in error messages; default "content". */
  what?: string;
}

/**
 * A pass-through stream that hashes and counts what flows through it and fails the
 * pipe at the end (or as soon as the size is exceeded) when the content is not what was promised.
 */
export class VerifyingTransform extends Transform {
  private readonly hash: Hash;
  private readonly options: VerifyOptions;
  private count: number;

  constructor(options: VerifyOptions) {
    super();
    this.options = options;
    this.hash = options.hash ?? createHash(parseDigest(options.digest).algorithm);
    this.count = options.offset ?? 0;
  }

  /** Bytes seen so far, including any offset. */
  get bytes(): number {
    return this.count;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    this.count += chunk.length;
    const { size, what = 'content' } = this.options;
    if (size !== undefined && this.count > size) {
      callback(new RegctlError('integrity', `${what} ${this.options.digest} is larger than its declared size ${size}`));
      return;
    }
    this.hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const { size, digest, what = 'content' } = this.options;
    if (size !== undefined && this.count !== size) {
      callback(new RegctlError('integrity', `${what} ${digest} is truncated: expected ${size} bytes, got ${this.count}`));
      return;
    }
    const actual = `${parseDigest(digest).algorithm}:${this.hash.digest('hex')}`;
    if (actual !== digest) {
      callback(new DigestMismatchError(digest, actual, what));
      return;
    }
    callback();
  }
}
