import { resolve } from 'node:path';
import { AuthClient } from '../auth/client.js';
import { registryConfig, registryMirrors, type Config } from '../config/config.js';
import { regctlVersion } from '../config/version.js';
import { createCredentialFunction } from '../credentials/chain.js';
import { ContainersAuthStore } from '../credentials/containers-auth.js';
import { DockerConfigStore } from '../credentials/docker-config.js';
import { EnvStore } from '../credentials/env-store.js';
import { FileStore, credentialsFile } from '../credentials/file-store.js';
import { KeychainStore } from '../credentials/keychain-store.js';
import type { CredentialFunction, CredentialStore } from '../credentials/types.js';
import { SchemeMemory } from '../http/scheme-memory.js';
import type { RetryNotice } from '../http/retry-notice.js';
import { createTransport, type Transport } from '../http/transport.js';
import type { Reference } from '../ref/reference.js';
import { apiEndpoint, normalizeRegistry } from '../ref/registry.js';
import { RegistryClient } from '../registry/client.js';
import { MirroredRepository, type RegistrySource } from '../registry/mirrored.js';
import { RegistryRepository, type UploadPolicy } from '../registry/repository.js';
import type { DownloadSettings } from '../registry/blob-download.js';
import type { SessionOptions } from './options.js';

/** What the registry side of a session needs from the session. */
export interface RemoteContext {
  options: SessionOptions;
  config: Config;
  configDir: string;
  cacheDir: string;
  env: NodeJS.ProcessEnv;
  /** Registers a resource to release when the session closes. */
  onClose(fn: () => Promise<void> | void): void;
  /** Tells the session's retry listeners (progress lines) that a request is being retried. */
  notifyRetry(notice: RetryNotice): void;
}

/** Where the schemes of loopback and insecure registries are remembered (see SchemeMemory). */
export function schemesFile(cacheDir: string): string {
  return resolve(cacheDir, '.regctl', 'schemes.json');
}

/**
 * The registry side of a Session: transport, credentials, auth and registry clients. Its own
 * module, loaded only by sessions that talk to registries, because it brings undici, TLS and
 * the credential stores with it.
 */
export class RemoteAccess {
  private readonly ctx: RemoteContext;
  private transportInstance: Transport | undefined;
  private authInstance: AuthClient | undefined;
  private envStore: EnvStore | undefined;
  private readonly clients = new Map<string, RegistryClient>();

  constructor(ctx: RemoteContext) {
    this.ctx = ctx;
  }

  /** The HTTP transport (one keep-alive agent per run). */
  transport(): Transport {
    if (!this.transportInstance) {
      const { options, config } = this.ctx;
      const registries = config.registries ?? {};
      // A mirror written as http://host is plain HTTP by the user's choice, as in docker's registry-mirrors.
      const httpMirrors = Object.keys(registries).flatMap((h) =>
        registryMirrors(config, h)
          .filter((m) => m.scheme === 'http')
          .map((m) => m.host),
      );
      const insecure = [
        ...(options.insecureRegistries ?? []),
        ...Object.entries(registries)
          .filter(([, r]) => r.insecure)
          .map(([h]) => h),
        ...httpMirrors,
      ];
      const transport = createTransport({
        userAgent: `regctl/${regctlVersion()}`,
        ...(options.caCerts ? { caCertFiles: options.caCerts } : {}),
        perHostCa: (host: string) => {
          const ca = registryConfig(config, host).ca;
          return ca ? [ca] : undefined;
        },
        perHostClientCert: (host: string) => {
          const r = registryConfig(config, host);
          return r.clientCert && r.clientKey ? { certFile: r.clientCert, keyFile: r.clientKey } : undefined;
        },
        insecureHosts: insecure,
        schemes: new SchemeMemory(schemesFile(this.ctx.cacheDir), { write: !!options.rememberSchemes }),
        ...(options.debug ? { debug: options.debug } : {}),
        ...(options.lookup ? { lookup: options.lookup } : {}),
        ...(options.connections ? { connections: options.connections } : {}),
        ...(this.timeoutMs !== undefined ? { timeoutMs: this.timeoutMs } : {}),
        ...(options.fastPath === false ? { fastPath: false } : {}),
        retry: { onRetry: (notice) => this.ctx.notifyRetry(notice) },
        env: this.ctx.env,
      });
      const observe = options.onResponse;
      this.transportInstance = observe
        ? {
            ...transport,
            request: async (req) => {
              const res = await transport.request(req);
              observe(res, req);
              return res;
            },
          }
        : transport;
      this.ctx.onClose(() => transport.close());
    }
    return this.transportInstance;
  }

  /**
   * Credential lookup (SPEC §5): extra stores (flags), the environment (only for REGCTL_REGISTRY's
   * registries), the OS keychain, the file store (read only when its file exists), Docker's config
   * (credHelpers, credsStore, auths), then the containers auth files podman/buildah/skopeo write.
   */
  credentialStores(): CredentialStore[] {
    const { options, env } = this.ctx;
    const debug = options.debug;
    const warn = options.warn;
    // One EnvStore per run, so its "not scoped" warning is printed once however many lookups there are.
    this.envStore ??= new EnvStore(env, warn ? { warn } : {});
    return [
      ...(options.credentialStores ?? []),
      this.envStore,
      new KeychainStore(debug ? { debug } : {}),
      new FileStore(credentialsFile(this.ctx.configDir)),
      new DockerConfigStore({ env, ...(warn ? { warn } : {}) }),
      new ContainersAuthStore({ env, ...(warn ? { warn } : {}) }),
    ];
  }

  /** The credential function handed to auth; keyed by registry name (docker.io for Docker Hub's endpoint) and repository. */
  credentials(): CredentialFunction {
    const lookup = createCredentialFunction(this.credentialStores());
    return (host: string, repository?: string) => lookup(normalizeRegistry(host), repository);
  }

  /** The auth middleware over the transport. */
  auth(): AuthClient {
    this.authInstance ??= new AuthClient({ transport: this.transport(), credentials: this.credentials() });
    return this.authInstance;
  }

  /** A client for one registry; see Session.client. */
  client(registry: string, endpoint: string = apiEndpoint(registry), base?: string): RegistryClient {
    const key = `${registry}|${endpoint}|${base ?? ''}`;
    let c = this.clients.get(key);
    if (!c) {
      c = new RegistryClient(this.auth(), registry, endpoint, base);
      this.clients.set(key, c);
    }
    return c;
  }

  /** How long a server may stay silent, in milliseconds (flag, then config); undefined: the transport's default (60 s). */
  get timeoutMs(): number | undefined {
    const configured = this.ctx.config.timeout;
    return this.ctx.options.timeoutMs ?? (configured !== undefined ? configured * 1000 : undefined);
  }

  /** How blobs are downloaded: the session's settings, with blob retries told to the progress display as the transport's are. */
  private downloads(): DownloadSettings {
    return { ...this.ctx.options.downloads, onRetry: (notice) => this.ctx.notifyRetry(notice) };
  }

  /** The repository a reference names, for writing and exact reads. */
  repository(ref: Reference, uploads: UploadPolicy = {}): RegistryRepository {
    return new RegistryRepository(this.client(ref.registry), ref.repository, uploads, this.downloads());
  }

  /** The repository read commands read from: the configured mirrors first, then the registry itself. */
  source(ref: Reference): RegistrySource {
    const mirrors = registryMirrors(this.ctx.config, ref.registry);
    const upstream = this.repository(ref);
    if (mirrors.length === 0) return upstream;
    const candidates = mirrors.map(
      (m) => new RegistryRepository(this.client(m.host, m.host, m.scheme ? `${m.scheme}://${m.host}` : undefined), ref.repository, {}, this.downloads()),
    );
    return new MirroredRepository([...candidates, upstream], (host, err) =>
      this.ctx.options.warn?.(`mirror ${host} failed (${err.message}); trying the next source`),
    );
  }
}
