import { homedir } from 'node:os';
import { join } from 'node:path';

/** Inputs to the directory rules; defaults come from the process. */
export interface PathEnv {
  /** Environment variables; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Node's platform name; default process.platform. */
  platform?: string;
  /** Home directory; default os.homedir(). */
  home?: string;
}

/** The cache directory (SPEC §2): flag, then $REGCTL_CACHE, then the platform's cache dir. */
export function cacheDir(flag: string | undefined, pe: PathEnv = {}): string {
  const env = pe.env ?? process.env;
  const platform = pe.platform ?? process.platform;
  const home = pe.home ?? homedir();
  if (flag) return flag;
  if (env['REGCTL_CACHE']) return env['REGCTL_CACHE'];
  if (platform === 'win32') return join(env['LOCALAPPDATA'] || join(home, 'AppData', 'Local'), 'regctl');
  if (env['XDG_CACHE_HOME']) return join(env['XDG_CACHE_HOME'], 'regctl');
  if (platform === 'darwin') return join(home, 'Library', 'Caches', 'regctl');
  return join(home, '.cache', 'regctl');
}

/**
 * The config directory (SPEC §5): flag, then $REGCTL_CONFIG_DIR, then $XDG_CONFIG_HOME/regctl,
 * then ~/.config/regctl (%APPDATA%\regctl on Windows). Never regclient's ~/.regctl.
 */
export function configDir(flag: string | undefined, pe: PathEnv = {}): string {
  const env = pe.env ?? process.env;
  const platform = pe.platform ?? process.platform;
  const home = pe.home ?? homedir();
  if (flag) return flag;
  if (env['REGCTL_CONFIG_DIR']) return env['REGCTL_CONFIG_DIR'];
  if (env['XDG_CONFIG_HOME']) return join(env['XDG_CONFIG_HOME'], 'regctl');
  if (platform === 'win32') return join(env['APPDATA'] || join(home, 'AppData', 'Roaming'), 'regctl');
  return join(home, '.config', 'regctl');
}

/** Docker's config directory: $DOCKER_CONFIG, else ~/.docker. */
export function dockerConfigDir(pe: PathEnv = {}): string {
  const env = pe.env ?? process.env;
  return env['DOCKER_CONFIG'] || join(pe.home ?? homedir(), '.docker');
}
