import type { LookupFunction } from 'node:net';
import type { CredentialStore } from '../credentials/types.js';
import type { TransportRequest, TransportResponse } from '../http/transport.js';
import type { UploadPolicy } from '../registry/repository.js';
import type { DownloadSettings } from '../registry/blob-download.js';

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
  /**
   * The command talks to no registry (tag, images, rmi, inspect of the cache…): the HTTP, auth and
   * credential modules are never loaded, which saves ~100 ms of start-up. A registry method of such
   * a session throws. Default false.
   */
  offline?: boolean;
  /**
   * Note in the cache (`.regctl/schemes.json`) whether a loopback or insecure registry answered in
   * plain HTTP or TLS, for the next run. Set by the commands that write the cache anyway (pull,
   * push); default false, which still uses what earlier runs noted but leaves the cache as it was.
   */
  rememberSchemes?: boolean;
  /** --timeout: milliseconds a server may stay silent before a request fails (retried where it can be); default the config's, else 60 000. */
  timeoutMs?: number;
  /** How blobs are downloaded (--chunk-threshold, --chunk-connections); defaults in DownloadSettings. */
  downloads?: DownloadSettings;
  /** Use the socket fast path for blob bodies; default true (tests run a suite on undici alone). */
  fastPath?: boolean;
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
