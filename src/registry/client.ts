import type { AuthClient } from '../auth/client.js';
import { RegctlError } from '../errors.js';
import type { TransportResponse } from '../http/transport.js';
import { isRegistryOrigin } from './registry-origin.js';

/** One request to a registry, by path under the API root. */
export interface RegistryRequest {
  method: string;
  /** Path starting with /v2/, or an absolute URL (upload Location headers). */
  path: string;
  headers?: Record<string, string>;
  body?: NodeJS.ReadableStream | Buffer | string;
  /** Scope hints for the token ("repository:a/b:pull,push"). */
  scopes?: readonly string[];
  /** May take the socket fast path: a blob GET read with `consume` (true), or a small answer read whole (see TransportRequest.fast). */
  fast?: boolean | 'whole';
  /** False: the caller retries, not the transport. */
  retry?: boolean;
  signal?: AbortSignal;
}

/** A registry host reached through the auth middleware; `name` is how users call it, `host` the API endpoint. */
export class RegistryClient {
  /** The registry as users name it (docker.io, ghcr.io, localhost:5000). */
  readonly name: string;
  /** The host answering the API (registry-1.docker.io for docker.io). */
  readonly host: string;
  readonly auth: AuthClient;
  /** "https://host" or "http://host" when the scheme is fixed (a mirror written as a URL); else probed. */
  private readonly base: string | undefined;

  constructor(auth: AuthClient, name: string, host: string, base?: string) {
    this.auth = auth;
    this.name = name;
    this.host = host;
    this.base = base;
  }

  /**
   * The absolute URL for a path (https, or http for loopback/insecure hosts that do not speak TLS). An
   * absolute URL (from a Location or Link header) must be on this registry's origin: the request carries
   * the registry's credentials, so it never goes to another host.
   */
  async url(path: string): Promise<string> {
    const base = this.base ?? (await this.auth.transport.baseUrl(this.host));
    if (!/^https?:\/\//i.test(path)) return `${base}${path}`;
    if (!isRegistryOrigin(new URL(path), new URL(base))) {
      throw new RegctlError('failed', `refusing to send a request for registry ${this.name} to ${new URL(path).host}, which is not the registry's own host`);
    }
    return path;
  }

  /** Sends a request with auth; the caller consumes or destroys the body. */
  async request(req: RegistryRequest): Promise<{ res: TransportResponse; url: string }> {
    const url = await this.url(req.path);
    const res = await this.auth.request({
      method: req.method,
      url,
      ...(req.headers ? { headers: req.headers } : {}),
      ...(req.body !== undefined ? { body: req.body as never } : {}),
      ...(req.scopes ? { scopes: req.scopes } : {}),
      ...(req.fast ? { fast: req.fast } : {}),
      ...(req.retry === false ? { retry: false } : {}),
      ...(req.signal ? { signal: req.signal } : {}),
    });
    return { res, url };
  }

  /** Makes sure a token for these scopes exists before a non-replayable body is sent. */
  prepare(scopes: readonly string[]): Promise<void> {
    return this.auth.prepare(this.host, scopes);
  }
}
