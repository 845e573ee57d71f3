import { regctlVersion } from '../config/version.js';
import { hostPlatform, formatPlatform } from '../oci/platform.js';
import type { CommandIo } from './io.js';

/** Options of `regctl version`. */
export interface VersionOptions {
  json?: boolean;
}

/** What `regctl version --json` prints. */
export interface VersionResult {
  version: string;
  node: string;
  /** The platform pull chooses by default, `os/arch[/variant]`. */
  platform: string;
}

/** `regctl version`: regctl's version, and the Node.js and default platform it runs with. */
export function version(options: VersionOptions, io: CommandIo): VersionResult {
  const result: VersionResult = { version: regctlVersion(), node: process.version, platform: formatPlatform(hostPlatform()) };
  io.out(
    options.json
      ? JSON.stringify(result, null, 2)
      : `regctl ${result.version} (docker-style commands; Node.js ${result.node}, default platform ${result.platform})`,
  );
  return result;
}
