import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, realpathSync, symlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, type RunResult } from './tools.js';

/** Root of this checkout (the directory holding package.json). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** The checkout's package.json. */
export function repoPackage(): { name: string; version: string; dependencies: Record<string, string>; devDependencies: Record<string, string> } {
  return JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as ReturnType<typeof repoPackage>;
}

/**
 * Copies the checkout's source files (tracked, and new ones git does not ignore) to `dest`: what a
 * fresh clone of this working tree holds, without node_modules or dist.
 */
export function copySources(dest: string): void {
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO_ROOT, encoding: 'utf8' });
  for (const file of listed.split('\0').filter(Boolean)) {
    const from = join(REPO_ROOT, file);
    try {
      mkdirSync(dirname(join(dest, file)), { recursive: true });
      cpSync(from, join(dest, file), { verbatimSymlinks: true });
    } catch (err) {
      // A tracked file deleted in the working tree is not part of it.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}

/** Makes `dest/node_modules` point at the checkout's installed dependencies (build tools included). */
export function linkDependencies(dest: string): void {
  symlinkSync(realpathSync(join(REPO_ROOT, 'node_modules')), join(dest, 'node_modules'), 'dir');
}

/**
 * The environment for a child `npm`: the caller's, without the npm_* variables an enclosing
 * `npm test` sets (they would point the child at this checkout), keeping where the cache and the
 * registry are.
 */
function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) && !/^npm_config_(cache|registry|userconfig|https?_proxy|proxy|noproxy|cafile|strict_ssl)$/i.test(key)) continue;
    env[key] = value;
  }
  return { ...env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
}

/** Runs `npm ARGS` in `cwd`; a missing npm is an Error saying so. */
export async function npm(args: string[], cwd: string, timeoutMs = 300_000): Promise<RunResult> {
  try {
    return await run('npm', args, { cwd, env: npmEnv(), timeoutMs });
  } catch (err) {
    throw new Error(`cannot run npm (it comes with Node.js): ${(err as Error).message}`);
  }
}

/** Every package installed under `dir` (recursively through node_modules), as `name@version`. */
export function installedPackages(dir: string): string[] {
  const found: string[] = [];
  const walk = (modules: string): void => {
    let entries: string[];
    try {
      entries = readdirSync(modules);
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.startsWith('.')) continue;
      const dirs = entry.startsWith('@') ? readdirSync(join(modules, entry)).map((n) => join(modules, entry, n)) : [join(modules, entry)];
      for (const pkgDir of dirs) {
        try {
          const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { name: string; version: string };
          found.push(`${pkg.name}@${pkg.version}`);
        } catch {
          continue;
        }
        walk(join(pkgDir, 'node_modules'));
      }
    }
  };
  walk(dir);
  return found.sort();
}
