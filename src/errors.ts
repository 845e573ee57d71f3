/** The kinds of failure regctl distinguishes; each maps to one exit code (SPEC §4). */
export type ErrorKind = 'usage' | 'not-found' | 'auth' | 'network' | 'integrity' | 'failed' | 'internal';

/** Exit code for each error kind (SPEC §4). */
const EXIT_CODES: Readonly<Record<ErrorKind, number>> = {
  failed: 1,
  integrity: 1,
  internal: 1,
  usage: 2,
  'not-found': 3,
  auth: 4,
  network: 5,
};

/** Options of a RegctlError. */
export interface RegctlErrorOptions {
  /** The error this one explains. */
  cause?: unknown;
  /** The reference or repository the message names; see {@link RegctlError.subject}. */
  subject?: string;
}

/** The one error class regctl throws on purpose: a one-line message and a kind. */
export class RegctlError extends Error {
  readonly kind: ErrorKind;
  /** True when the command already printed this error (e.g. one line per failed argument). */
  reported = false;
  /**
   * What the message already names — an image reference (`docker.io/library/node:latest`), a
   * repository, or `registry HOST` — so a caller adding that context does not name it twice.
   */
  subject: string | undefined;

  constructor(kind: ErrorKind, message: string, options: RegctlErrorOptions = {}) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
    this.name = 'RegctlError';
    this.kind = kind;
    this.subject = options.subject;
  }

  /** The process exit code for this error. */
  get exitCode(): number {
    return EXIT_CODES[this.kind];
  }

  /**
   * The same error with another message: class, kind and data are kept (a RegistryError keeps its
   * status and codes), and this error becomes the copy's cause.
   */
  withMessage(message: string): this {
    const copy = Object.assign(Object.create(Object.getPrototypeOf(this) as object) as this, this);
    Object.defineProperty(copy, 'message', { value: message, writable: true, configurable: true });
    Object.defineProperty(copy, 'cause', { value: this, writable: true, configurable: true });
    Object.defineProperty(copy, 'stack', {
      value: `${this.name}: ${message}\n${(this.stack ?? '').split('\n').slice(1).join('\n')}`,
      writable: true,
      configurable: true,
    });
    return copy;
  }
}

/** Marks a RegctlError as naming `subject` (unless it names another already) and returns it, for rethrowing. */
export function withSubject(err: unknown, subject: string): unknown {
  if (err instanceof RegctlError) err.subject ??= subject;
  return err;
}

/** A blob or manifest whose bytes do not hash to (or are not the size of) what was expected. */
export class DigestMismatchError extends RegctlError {
  readonly expected: string;
  readonly actual: string;

  constructor(expected: string, actual: string, what = 'content') {
    super('integrity', `${what} digest mismatch: expected ${expected}, got ${actual}`);
    this.name = 'DigestMismatchError';
    this.expected = expected;
    this.actual = actual;
  }
}

/** An HTTP answer from a registry that was not what the protocol asked for. */
export class RegistryError extends RegctlError {
  readonly status: number;
  readonly method: string;
  readonly url: string;
  readonly codes: readonly string[];

  constructor(
    kind: ErrorKind,
    message: string,
    detail: { status: number; method: string; url: string; codes?: readonly string[] },
    options?: RegctlErrorOptions,
  ) {
    super(kind, message, options);
    this.name = 'RegistryError';
    this.status = detail.status;
    this.method = detail.method;
    this.url = detail.url;
    this.codes = detail.codes ?? [];
  }
}

/** Narrows an unknown thrown value to a RegctlError. */
export function isRegctlError(err: unknown): err is RegctlError {
  return err instanceof RegctlError;
}

/** Error code of a Node system error (ENOENT, ECONNREFUSED…), or undefined. */
export function errnoCode(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'code' in err && typeof (err as { code: unknown }).code === 'string') {
    return (err as { code: string }).code;
  }
  return undefined;
}
