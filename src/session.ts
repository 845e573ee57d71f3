import { loadConfig, type Config } from './config/config.js';
import { cacheDir, configDir } from './config/paths.js';
import type { Target } from './content/types.js';
import type { CredentialFunction, CredentialStore } from './credentials/types.js';
import { RegctlError } from './errors.js';
import type { AuthClient } from './auth/client.js';
import type { RetryListener } from './http/retry-notice.js';
import type { Transport } from './http/transport.js';
import { Cache } from './layout/cache.js';
import { LayoutStore } from './layout/layout-store.js';
import type { RegistryClient } from './registry/client.js';
import type { RegistrySource } from './registry/mirrored.js';
import type { RegistryRepository, UploadPolicy } from './registry/repository.js';
import type { Location } from './ref/location.js';
import type { Reference } from './ref/reference.js';
import type { OpenOptions, SessionOptions } from './session/options.js';
import type { RemoteAccess } from './session/remote-access.js';

export type { OpenOptions, SessionOptions } from './session/options.js';

/** An `oci:DIR[:REF]` location. */
type OciLocation = Extract<Location, { kind: 'oci' }>;

/**
 * Wires config, cache, transport and credentials for one command run. The registry side (undici,
 * TLS, auth, credential stores) lives in session/remote-access.ts and is loaded by create() unless
 * the session is `offline`: commands that only read or write the cache start without it.
 */
export class Session {
  readonly options: SessionOptions;
  readonly config: Config;
  readonly cacheDir: string;
  readonly configDir: string;
  private cachePromise: Promise<Cache> | undefined;
  private readonly remote: RemoteAccess | undefined;
  private readonly closers: (() => Promise<void> | void)[] = [];
  private readonly retryListeners = new Set<RetryListener>();

  private constructor(
    options: SessionOptions,
    config: Config,
    dirs: { cache: string; config: string },
    remote: typeof import('./session/remote-access.js') | undefined,
  ) {
    this.options = options;
    this.config = config;
    this.cacheDir = dirs.cache;
    this.configDir = dirs.config;
    this.remote = remote
      ? new remote.RemoteAccess({
          options,
          config,
          configDir: dirs.config,
          cacheDir: dirs.cache,
          env: this.env,
          onClose: (fn) => this.onClose(fn),
          notifyRetry: (notice) => {
            for (const l of this.retryListeners) l(notice);
          },
        })
      : undefined;
  }

  /** Reads the config file and resolves directories (loading the registry side unless `offline`); opens nothing else yet. */
  static async create(options: SessionOptions): Promise<Session> {
    const env = options.env ?? process.env;
    const cfgDir = configDir(options.configDir, { env });
    const [config, remote] = await Promise.all([loadConfig(cfgDir), options.offline ? undefined : import('./session/remote-access.js')]);
    return new Session(options, config, { cache: cacheDir(options.cacheDir, { env }), config: cfgDir }, remote);
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

  private registrySide(): RemoteAccess {
    if (!this.remote) throw new RegctlError('internal', 'this command was started without registry access (an offline session) but asked for a registry');
    return this.remote;
  }

  /** The HTTP transport (one keep-alive agent per run). */
  transport(): Transport {
    return this.registrySide().transport();
  }

  /**
   * Credential lookup (SPEC §5): extra stores (flags), the environment (only for REGCTL_REGISTRY's
   * registries), the OS keychain, the file store (read only when its file exists), Docker's config
   * (credHelpers, credsStore, auths), then the containers auth files podman/buildah/skopeo write.
   */
  credentialStores(): CredentialStore[] {
    return this.registrySide().credentialStores();
  }

  /** The credential function handed to auth; keyed by registry name (docker.io for Docker Hub's endpoint) and repository. */
  credentials(): CredentialFunction {
    return this.registrySide().credentials();
  }

  /** The auth middleware over the transport. */
  auth(): AuthClient {
    return this.registrySide().auth();
  }

  /**
   * A client for one registry (by the name users give it); docker.io talks to registry-1.docker.io.
   * `base` fixes the scheme ("https://host") instead of probing it.
   */
  client(registry: string, endpoint?: string, base?: string): RegistryClient {
    return this.registrySide().client(registry, endpoint, base);
  }

  /** The repository a reference names, for writing and exact reads; `uploads` says how blobs go up. */
  repository(ref: Reference, uploads: UploadPolicy = {}): RegistryRepository {
    return this.registrySide().repository(ref, uploads);
  }

  /**
   * The repository every read command reads from (pull, digest, tags, inspect --remote, copy's
   * source): mirrors from the config first (docker.io above all), then the registry itself.
   */
  source(ref: Reference): RegistrySource {
    return this.registrySide().source(ref);
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
