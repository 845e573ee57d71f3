import { RegctlError } from '../errors.js';
import type { Platform } from './descriptor.js';

const ARCH: Record<string, string> = {
  x64: 'amd64',
  ia32: '386',
  arm: 'arm',
  arm64: 'arm64',
  ppc64: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
  loong64: 'loong64',
  mips: 'mips',
  mipsel: 'mipsle',
};

/**
 * The platform a container on this host would run: Linux for macOS and Windows hosts too,
 * as docker pulls linux images there (containers run in a Linux VM). arm64 gets variant v8.
 */
export function hostPlatform(nodePlatform: string = process.platform, nodeArch: string = process.arch): Platform {
  const architecture = ARCH[nodeArch] ?? nodeArch;
  const os = nodePlatform === 'win32' ? 'windows' : 'linux';
  const platform: Platform = { os, architecture };
  if (architecture === 'arm64') platform.variant = 'v8';
  if (architecture === 'arm') platform.variant = 'v7';
  return platform;
}

/** Parses `os/arch[/variant]`; throws a usage error naming the input when it is malformed. */
export function parsePlatform(text: string): Platform {
  const parts = text.trim().split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[a-z0-9._-]+$/.test(p))) {
    throw new RegctlError('usage', `invalid platform "${text}": expected os/arch[/variant], e.g. linux/amd64 or linux/arm64/v8`);
  }
  const [os, architecture, variant] = parts as [string, string, string | undefined];
  const platform: Platform = { os, architecture: ARCH[architecture] ?? architecture };
  if (variant) platform.variant = variant;
  return platform;
}

/** Formats a platform as `os/arch[/variant]`. */
export function formatPlatform(p: Platform | undefined): string {
  if (!p) return 'unknown';
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

function normalizeVariant(p: Platform): string | undefined {
  // containerd treats arm64 without variant as v8 and arm without variant as v7.
  if (p.variant) return p.variant;
  if (p.architecture === 'arm64') return 'v8';
  if (p.architecture === 'arm') return 'v7';
  return undefined;
}

/** True when `candidate` satisfies `wanted` (os and arch equal; variant equal after defaults). */
export function platformMatches(wanted: Platform, candidate: Platform | undefined): boolean {
  if (!candidate) return false;
  if (wanted.os !== candidate.os || wanted.architecture !== candidate.architecture) return false;
  return normalizeVariant(wanted) === normalizeVariant(candidate);
}
