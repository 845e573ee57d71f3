import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
const require = createRequire(join(ROOT, 'package.json'));

test('the only run-time dependency is @napi-rs/keyring; everything else is bundled from devDependencies', () => {
  assert.deepEqual(Object.keys(pkg.dependencies), ['@napi-rs/keyring']);
});

// src/http/undici-parts.ts imports undici's files by path to skip its index (fetch, WebSocket, …):
// those paths are not a public API, so the version is pinned and this test says when they move.
const PARTS = readFileSync(join(ROOT, 'src', 'http', 'undici-parts.ts'), 'utf8');
const DECLARED = readFileSync(join(ROOT, 'src', 'http', 'undici-subpaths.d.ts'), 'utf8');
const subpaths = [...PARTS.matchAll(/from '(undici\/[^']+)'/g)].map((m) => m[1] as string);

test('undici is pinned to the exact version installed', () => {
  const wanted = pkg.devDependencies['undici'] ?? '';
  assert.match(wanted, /^\d+\.\d+\.\d+$/, `package.json must pin undici exactly (it has "${wanted}"): src/http/undici-parts.ts imports its internal files`);
  const installed = (require('undici/package.json') as { version: string }).version;
  assert.equal(installed, wanted, `node_modules has undici ${installed}, package.json pins ${wanted}: run npm ci`);
});

test("undici's internal files that undici-parts.ts imports are where it expects them", () => {
  assert.deepEqual(subpaths.sort(), [
    'undici/lib/api/api-request.js',
    'undici/lib/dispatcher/agent.js',
    'undici/lib/dispatcher/dispatcher.js',
    'undici/lib/interceptor/retry.js',
  ]);
  const version = (require('undici/package.json') as { version: string }).version;
  const load = (path: string): unknown => {
    try {
      return require(path);
    } catch (err) {
      assert.fail(
        `undici ${version} has no ${path}, which src/http/undici-parts.ts imports by path: find where that file moved in undici's lib/ and update undici-parts.ts and undici-subpaths.d.ts (${(err as Error).message.split('\n')[0]})`,
      );
    }
  };
  const shape = (path: string, ok: boolean, what: string): void =>
    assert.ok(ok, `undici ${version}: ${path} is no longer ${what}, as src/http/undici-parts.ts expects`);
  const Agent = load('undici/lib/dispatcher/agent.js');
  shape(
    'lib/dispatcher/agent.js',
    typeof Agent === 'function' && typeof (Agent.prototype as { dispatch?: unknown }).dispatch === 'function',
    'the Agent class',
  );
  shape('lib/interceptor/retry.js', typeof load('undici/lib/interceptor/retry.js') === 'function', 'the retry interceptor');
  shape('lib/dispatcher/dispatcher.js', typeof load('undici/lib/dispatcher/dispatcher.js') === 'function', 'the Dispatcher base class');
  const api = load('undici/lib/api/index.js') as Record<string, unknown>;
  shape(
    'lib/api/index.js',
    ['request', 'stream', 'pipeline', 'connect', 'upgrade'].every((k) => typeof api[k] === 'function'),
    'the request/stream/pipeline/connect/upgrade API',
  );
  for (const path of subpaths) assert.ok(DECLARED.includes(`declare module '${path}'`), `src/http/undici-subpaths.d.ts declares no module '${path}'`);
});
