import { createRequire } from 'node:module';

/** regctl's version, from package.json. */
export function regctlVersion(): string {
  const require = createRequire(import.meta.url);
  return (require('../../../package.json') as { version: string }).version;
}
