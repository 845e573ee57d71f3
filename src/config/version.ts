import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** package.json's version, written into the bundle by scripts/bundle.mjs; not defined in tsc's output. */
declare const REGCTL_VERSION: string | undefined;

let cached: string | undefined;

/** regctl's version, from the package.json above this file (tsc output and the bundle sit at different depths) that installs the `regctl` binary. */
export function regctlVersion(): string {
  if (cached) return cached;
  if (typeof REGCTL_VERSION === 'string') return (cached = REGCTL_VERSION);
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { bin?: Record<string, string>; version?: string };
      // Matched by the binary, not the npm name: the package is scoped (@regctl-ts/regctl).
      if (pkg.bin?.['regctl'] && pkg.version) return (cached = pkg.version);
    } catch {
      // not here: go up
    }
    dir = dirname(dir);
  }
  return (cached = '0.0.0-unknown');
}
