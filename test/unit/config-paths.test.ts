import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { cacheDir, configDir, dockerConfigDir, type PathEnv } from '../../src/config/paths.js';

// SPEC §2 and §5: where the cache and the config live on each OS, given its environment.
const HOME = '/home/me';
const at = (platform: string, env: NodeJS.ProcessEnv = {}): PathEnv => ({ platform, env, home: HOME });

test('cache directory: --cache-dir, $REGCTL_CACHE, then the OS cache directory', () => {
  const table: [flag: string | undefined, pe: PathEnv, want: string][] = [
    ['/flag', at('linux', { REGCTL_CACHE: '/env', XDG_CACHE_HOME: '/xdg' }), '/flag'],
    [undefined, at('linux', { REGCTL_CACHE: '/env', XDG_CACHE_HOME: '/xdg' }), '/env'],
    [undefined, at('linux', { XDG_CACHE_HOME: '/xdg' }), join('/xdg', 'regctl')],
    [undefined, at('linux'), join(HOME, '.cache', 'regctl')],
    [undefined, at('freebsd'), join(HOME, '.cache', 'regctl')],
    [undefined, at('darwin'), join(HOME, 'Library', 'Caches', 'regctl')],
    [undefined, at('darwin', { XDG_CACHE_HOME: '/xdg' }), join('/xdg', 'regctl')],
    [undefined, at('win32', { LOCALAPPDATA: 'C:\\Users\\me\\AppData\\Local' }), join('C:\\Users\\me\\AppData\\Local', 'regctl')],
    [undefined, at('win32'), join(HOME, 'AppData', 'Local', 'regctl')],
    [undefined, at('win32', { LOCALAPPDATA: 'L', XDG_CACHE_HOME: '/xdg' }), join('L', 'regctl')],
    [undefined, at('win32', { REGCTL_CACHE: 'D:\\cache' }), 'D:\\cache'],
    ['', at('linux', { REGCTL_CACHE: '' }), join(HOME, '.cache', 'regctl')],
  ];
  for (const [flag, pe, want] of table) assert.equal(cacheDir(flag, pe), want, `${pe.platform} ${flag ?? ''} ${JSON.stringify(pe.env)}`);
});

test("config directory: --config, $REGCTL_CONFIG_DIR, $XDG_CONFIG_HOME, then the OS config directory; never regclient's", () => {
  const table: [flag: string | undefined, pe: PathEnv, want: string][] = [
    ['/flag', at('linux', { REGCTL_CONFIG_DIR: '/env' }), '/flag'],
    [undefined, at('linux', { REGCTL_CONFIG_DIR: '/env', XDG_CONFIG_HOME: '/xdg' }), '/env'],
    [undefined, at('linux', { XDG_CONFIG_HOME: '/xdg' }), join('/xdg', 'regctl')],
    [undefined, at('linux'), join(HOME, '.config', 'regctl')],
    [undefined, at('darwin'), join(HOME, '.config', 'regctl')],
    [undefined, at('win32', { APPDATA: 'C:\\Users\\me\\AppData\\Roaming' }), join('C:\\Users\\me\\AppData\\Roaming', 'regctl')],
    [undefined, at('win32'), join(HOME, 'AppData', 'Roaming', 'regctl')],
    [undefined, at('linux', { REGCTL_CONFIG: '/regclient/config.json' }), join(HOME, '.config', 'regctl')],
  ];
  for (const [flag, pe, want] of table) assert.equal(configDir(flag, pe), want, `${pe.platform} ${flag ?? ''} ${JSON.stringify(pe.env)}`);
});

test("Docker's config directory: $DOCKER_CONFIG, else ~/.docker", () => {
  assert.equal(dockerConfigDir(at('linux', { DOCKER_CONFIG: '/d' })), '/d');
  assert.equal(dockerConfigDir(at('darwin')), join(HOME, '.docker'));
});
