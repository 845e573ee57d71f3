import { AuthClient } from './auth/client.js';
import { loadConfig, registryConfig, registryMirrors, type Config } from './config/config.js';
import { cacheDir, configDir } from './config/paths.js';
import { regctlVersion } from './config/version.js';
import type { Target } from './content/types.js';
import { createCredentialFunction } from './credentials/chain.js';
import { ContainersAuthStore } from './credentials/containers-auth.js';
import { DockerConfigStore } from './credentials/docker-config.js';
import { EnvStore } from './credentials/env-store.js';
import { FileStore, credentialsFile } from './credentials/file-store.js';
import { KeychainStore } from './credentials/keychain-store.js';
import type { CredentialFunction, CredentialStore } from './credentials/types.js';
import type { RetryListener } from './http/retry-notice.js';
import { createTransport, type Transport, type TransportRequest, type TransportResponse } from './http/transport.js';
import { Cache } from './layout/cache.js';
import { LayoutStore } from './layout/layout-store.js';
import { RegistryClient } from './registry/client.js';
import { MirroredRepository, type RegistrySource } from './registry/mirrored.js';
import { RegistryRepository, type UploadPolicy } from './registry/repository.js';
import type { LookupFunction } from 'node:net';
import type { Location } from './ref/location.js';
import type { Reference } from './ref/reference.js';
import { apiEndpoint, normalizeRegistry } from './ref/registry.js';

/** Global options shared by every command (SPEC §3). */
export interface SessionOptions {
  /** --cache-dir; default per SPEC §2. */
  cacheDir?: string;
  /** --config; default per SPEC §5. */
  configDir?: string;
  /** --insecure-registry hosts (plain HTTP allowed). */
  insecureRegistries?: string[];
  /** --ca-cert files trusted in addition to the system CAs. */
  caCerts?: string[];
  /** --concurrency: parallel blob transfers; default 4. */
  concurrency?: number;
  /** Sink for --debug lines (already redacted); absent when debug is off. */
  debug?: (line: string) => void;
  /** Sink for warnings (stderr); default none. */
  warn?: (line: string) => void;
  /** Credential stores consulted before the default chain (e.g. login's flags). */
  credentialStores?: CredentialStore[];
  /** Environment; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** DNS lookup for every connection (tests give loopback a non-loopback name); default the OS resolver. */
  lookup?: LookupFunction;
  /** Connections per registry host, so the cap on requests in flight to it (sync's --max-requests); default 8. */
  connections?: number;
  /** Sees every response's status and headers before its caller does (sync reads `ratelimit-remaining`); default none. */
  onResponse?: (res: TransportResponse, req: TransportRequest) => void;
}

/** Options of {@link Session.open}. */
export interface OpenOptions {
  /**
   * Open to write: a registry repository itself (never a mirror), ready to push (its `pull,push`
   * token asked for first); an `oci:DIR` layout created when missing. Default false: reads go
   * through the configured mirrors, and the layout must exist.
   */
  write?: boolean;
  /** How blobs are uploaded to a registry opened to write; default one streamed PUT each. */
  uploads?: UploadPolicy;
}

/** An `oci:DIR[:REF]` location. */
type OciLocation = Extract<Location, { kind: 'oci' }>;

/** Wires config, cache, transport and credentials for one command run. */
export class Session {
  readonly options: SessionOptions;
  readonly config: Config;
  readonly cacheDir: string;
  readonly configDir: string;
  private cachePromise: Promise<Cache> | undefined;
  private transportInstance: Transport | undefined;
  private authInstance: AuthClient | undefined;
  private envStore: EnvStore | undefined;
  private readonly clients = new Map<string, RegistryClient>();
  private readonly closers: (() => Promise<void> | void)[] = [];
  private readonly retryListeners = new Set<RetryListener>();

  private constructor(options: SessionOptions, config: Config, dirs: { cache: string; config: string }) {
    this.options = options;
    this.config = config;
    this.cacheDir = dirs.cache;
    this.configDir = dirs.config;
  }

  /** Reads the config file and resolves directories; opens nothing else yet. */
  static async create(options: SessionOptions): Promise<Session> {
    const env = options.env ?? process.env;
    const cfgDir = configDir(options.configDir, { env });
    const config = await loadConfig(cfgDir);
    return new Session(options, config, { cache: cacheDir(options.cacheDir, { env }), config: cfgDir });
  }

  /** The environment commands see. */
  get env(): NodeJS.ProcessEnv {
    return this.options.env ?? process.env;
  }

  /** The local cache, created on first use. */
  cache(): Promise<Cache> {
    this.cachePromise ??= Cache.open(this.cacheDir);
    return this.cachePromise;
  }

  /** The HTTP transport (one keep-alive agent per run). */
  transport(): Transport {
    if (!this.transportInstance) {
      const registries = this.config.registries ?? {};
      // A mirror written as http://host is plain HTTP by the user's choice, as in docker's registry-mirrors.
      const httpMirrors = Object.keys(registries).flatMap((h) =>
        registryMirrors(this.config, h)
          .filter((m) => m.scheme === 'http')
          .map((m) => m.host),
      );
      const insecure = [
        ...(this.options.insecureRegistries ?? []),
        ...Object.entries(registries)
          .filter(([, r]) => r.insecure)
          .map(([h]) => h),
        ...httpMirrors,
      ];
      this.transportInstance = createTransport({
        userAgent: `regctl/${regctlVersion()}`,
        ...(this.options.caCerts ? { caCertFiles: this.options.caCerts } : {}),
        perHostCa: (host: string) => {
          const ca = registryConfig(this.config, host).ca;
          return ca ? [ca] : undefined;
        },
        perHostClientCert: (host: string) => {
          const r = registryConfig(this.config, host);
          return r.clientCert && r.clientKey ? { certFile: r.clientCert, keyFile: r.clientKey } : undefined;
        },
        insecureHosts: insecure,
        ...(this.options.debug ? { debug: this.options.debug } : {}),
        ...(this.options.lookup ? { lookup: this.options.lookup } : {}),
        ...(this.options.connections ? { connections: this.options.connections } : {}),
        retry: {
          onRetry: (notice) => {
            for (const l of this.retryListeners) l(notice);
          },
        },
        env: this.env,
      });
      const observe = this.options.onResponse;
      if (observe) {
        const inner = this.transportInstance;
        this.transportInstance = {
          ...inner,
          request: async (req) => {
            const res = await inner.request(req);
            observe(res, req);
            return res;
          },
        };
      }
      const t = this.transportInstance;
      this.onClose(() => t.close());
    }
    return this.transportInstance;
  }

  /**
   * Credential lookup (SPEC §5): extra stores (flags), the environment (only for REGCTL_REGISTRY's
   * registries), the OS keychain, the file store (read only when its file exists), Docker's config
   * (credHelpers, credsStore, auths), then the containers auth files podman/buildah/skopeo write.
   */
  credentialStores(): CredentialStore[] {
    const debug = this.options.debug;
    const warn = this.options.warn;
    // One EnvStore per run, so its "not scoped" warning is printed once however many lookups there are.
    this.envStore ??= new EnvStore(this.env, warn ? { warn } : {});
    return [
      ...(this.options.credentialStores ?? []),
      this.envStore,
      new KeychainStore(debug ? { debug } : {}),
      new FileStore(credentialsFile(this.configDir)),
      new DockerConfigStore({ env: this.env, ...(warn ? { warn } : {}) }),
      new ContainersAuthStore({ env: this.env, ...(warn ? { warn } : {}) }),
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

  /**
   * A client for one registry (by the name users give it); docker.io talks to registry-1.docker.io.
   * `base` fixes the scheme ("https://host") instead of probing it.
   */
  client(registry: string, endpoint: string = apiEndpoint(registry), base?: string): RegistryClient {
    const key = `${registry}|${endpoint}|${base ?? ''}`;
    let c = this.clients.get(key);
    if (!c) {
      c = new RegistryClient(this.auth(), registry, endpoint, base);
      this.clients.set(key, c);
    }
    return c;
  }

  /** The repository a reference names, for writing and exact reads; `uploads` says how blobs go up. */
  repository(ref: Reference, uploads: UploadPolicy = {}): RegistryRepository {
    return new RegistryRepository(this.client(ref.registry), ref.repository, uploads);
  }

  /**
   * The repository every read command reads from (pull, digest, tags, inspect --remote, copy's
   * source): mirrors from the config first (docker.io above all), then the registry itself.
   */
  source(ref: Reference): RegistrySource {
    const mirrors = registryMirrors(this.config, ref.registry);
    const upstream = this.repository(ref);
    if (mirrors.length === 0) return upstream;
    const candidates = mirrors.map(
      (m) => new RegistryRepository(this.client(m.host, m.host, m.scheme ? `${m.scheme}://${m.host}` : undefined), ref.repository),
    );
    return new MirroredRepository([...candidates, upstream], (host, err) =>
      this.options.warn?.(`mirror ${host} failed (${err.message}); trying the next source`),
    );
  }

  /**
   * Opens a location as one end of a transfer (pull, push, copy): an `oci:DIR` layout, or a
   * registry repository — through its mirrors to read, itself to write; see {@link OpenOptions}.
   */
  open(location: OciLocation, options?: OpenOptions): Promise<LayoutStore>;
  open(location: Location, options?: OpenOptions): Promise<Target>;
  async open(location: Location, options: OpenOptions = {}): Promise<Target> {
    if (location.kind === 'oci') return LayoutStore.open(location.dir, { create: options.write ?? false });
    if (!options.write) return this.source(location.ref);
    const repo = this.repository(location.ref, options.uploads);
    await repo.preparePush();
    return repo;
  }

  /** Listens to the transport's retries (a progress display prints them); returns the function that stops listening. */
  onRetry(listener: RetryListener): () => void {
    this.retryListeners.add(listener);
    return () => this.retryListeners.delete(listener);
  }

  /** Releases connections and other resources held by the session. */
  async close(): Promise<void> {
    for (const fn of this.closers.splice(0)) await fn();
  }

  /** Registers a resource to release in close(). */
  onClose(fn: () => Promise<void> | void): void {
    this.closers.push(fn);
  }

  /** Parallel blob transfers (flag, then config, then 4). */
  get concurrency(): number {
    return this.options.concurrency ?? this.config.concurrency ?? 4;
  }
}
