import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningRegistry } from './registry.js';
import { requireTool, run, type RunResult } from './tools.js';

/** Result of a skopeo run. */
export interface SkopeoResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options shared by the skopeo helpers. */
export interface SkopeoRunOptions {
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Throw when skopeo exits non-zero (helpers default to true, {@link skopeo} to false). */
  check?: boolean;
}

/** TLS handling for a `docker://` side: `false` = plain HTTP / no verification, `{certDir}` = verify with the CA in certDir. */
export type SkopeoTls = false | { certDir: string };

let authFile: string | undefined;

/** An empty auth file, so skopeo never picks up the user's or another test's stored credentials. */
function emptyAuthFile(): string {
  if (!authFile) {
    const dir = mkdtempSync(join(tmpdir(), 'regctl-skopeo-'));
    authFile = join(dir, 'auth.json');
    writeFileSync(authFile, '{"auths":{}}\n', { mode: 0o600 });
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return authFile;
}

/**
 * Runs skopeo with `--insecure-policy` (so /etc/containers/policy.json is never needed) and an empty auth file.
 * Note: skopeo keeps a blob-info cache (/var/lib/containers/cache/blob-info-cache-v1.boltdb as root) that may make
 * it mount a blob from another repository instead of uploading it.
 */
export async function skopeo(args: readonly string[], opts: SkopeoRunOptions = {}): Promise<SkopeoResult> {
  const bin = requireTool('skopeo');
  const env = { ...(opts.env ?? process.env), REGISTRY_AUTH_FILE: emptyAuthFile() };
  const r: RunResult = await run(bin, ['--insecure-policy', ...args], { env, timeoutMs: opts.timeoutMs ?? 120_000 });
  if (opts.check && r.code !== 0) {
    throw new Error(`skopeo ${args.join(' ')} exited with ${r.code}: ${r.stderr.trim()}`);
  }
  return { code: r.code, stdout: r.stdout, stderr: r.stderr };
}

/** The TLS setting skopeo needs to reach a test registry. */
export function skopeoTlsFor(reg: RunningRegistry): SkopeoTls {
  return reg.certDir ? { certDir: reg.certDir } : false;
}

function sideArgs(prefix: '--src-' | '--dest-' | '--', ref: string, creds: string | undefined, tls: SkopeoTls | undefined): string[] {
  if (!ref.startsWith('docker://')) return [];
  const out: string[] = [];
  if (creds !== undefined) out.push(`${prefix}creds`, creds);
  else out.push(`${prefix}no-creds`);
  if (tls === undefined || tls === false) out.push(`${prefix}tls-verify=false`);
  else out.push(`${prefix}cert-dir`, tls.certDir);
  return out;
}

/** Options for {@link skopeoCopy}. */
export interface SkopeoCopyOptions extends SkopeoRunOptions {
  /** `user:password` for the destination; anonymous when absent. */
  destCreds?: string;
  /** `user:password` for the source; anonymous when absent. */
  srcCreds?: string;
  /** Default `false` (plain HTTP). */
  destTls?: SkopeoTls;
  /** Default `false` (plain HTTP). */
  srcTls?: SkopeoTls;
  /** Copy every image of an index (`--all`). */
  all?: boolean;
  /** Extra arguments placed before SRC and DST. */
  extraArgs?: string[];
}

/** Runs `skopeo copy SRC DST` (e.g. `oci:DIR:tag` → `docker://HOST/repo:tag`); throws on failure unless `check: false`. */
export function skopeoCopy(src: string, dst: string, opts: SkopeoCopyOptions = {}): Promise<SkopeoResult> {
  const args = [
    'copy',
    ...sideArgs('--src-', src, opts.srcCreds, opts.srcTls),
    ...sideArgs('--dest-', dst, opts.destCreds, opts.destTls),
    ...(opts.all ? ['--all'] : []),
    ...(opts.extraArgs ?? []),
    src,
    dst,
  ];
  return skopeo(args, { ...opts, check: opts.check ?? true });
}

/** Options for {@link skopeoInspect}. */
export interface SkopeoInspectOptions extends SkopeoRunOptions {
  /** `user:password`; anonymous when absent. */
  creds?: string;
  /** Default `false` (plain HTTP). */
  tls?: SkopeoTls;
  /** `--raw`: print the manifest (or with `config`, the config blob) exactly as stored. */
  raw?: boolean;
  /** `--config`: print the image configuration. */
  config?: boolean;
}

/** Result of {@link skopeoInspect}: the raw run plus the parsed JSON output when it succeeded. */
export interface SkopeoInspectResult extends SkopeoResult {
  json?: unknown;
}

/** Runs `skopeo inspect REF` and parses its JSON; throws on failure unless `check: false`. */
export async function skopeoInspect(ref: string, opts: SkopeoInspectOptions = {}): Promise<SkopeoInspectResult> {
  const args = ['inspect', ...sideArgs('--', ref, opts.creds, opts.tls), ...(opts.raw ? ['--raw'] : []), ...(opts.config ? ['--config'] : []), ref];
  const r = await skopeo(args, { ...opts, check: opts.check ?? true });
  return r.code === 0 ? { ...r, json: JSON.parse(r.stdout) as unknown } : r;
}
