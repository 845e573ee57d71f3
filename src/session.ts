import { loadConfig, type Config } from './config/config.js';
import { cacheDir, configDir } from './config/paths.js';
import { LayoutStore } from './layout/layout-store.js';

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
  /** Environment; default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** Wires config, cache and (later) transport and credentials for one command run. */
export class Session {
  readonly options: SessionOptions;
  readonly config: Config;
  readonly cacheDir: string;
  readonly configDir: string;
  private cachePromise: Promise<LayoutStore> | undefined;
  private readonly closers: (() => Promise<void> | void)[] = [];

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

  /** The local cache, created on first use. */
  cache(): Promise<LayoutStore> {
    this.cachePromise ??= LayoutStore.open(this.cacheDir, { create: true });
    return this.cachePromise;
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
