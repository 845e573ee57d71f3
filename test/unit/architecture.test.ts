import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// ARCHITECTURE.md: a module imports only from lower ranks (or itself); third-party packages live in one module.
const RANK: Record<string, number> = {
  errors: 0,
  ref: 1,
  oci: 1,
  util: 1,
  content: 2,
  config: 2,
  credentials: 3,
  http: 3,
  auth: 4,
  registry: 5,
  layout: 5,
  archive: 6,
  session: 6,
  sync: 6,
  commands: 7,
  cli: 8,
};
const OWNER: Record<string, (file: string) => boolean> = {
  undici: (f) => f.startsWith('http/'),
  commander: (f) => f.startsWith('cli/'),
  ora: (f) => f.startsWith('cli/'),
  chalk: (f) => f.startsWith('cli/'),
  'tar-stream': (f) => f.startsWith('archive/'),
  '@napi-rs/keyring': (f) => f === 'credentials/keychain-store.ts',
  zod: (f) => /^(oci|config|layout|archive|credentials|auth|registry|sync)\//.test(f) || f === 'util/lazy-schema.ts',
  yaml: (f) => f.startsWith('sync/'),
  semver: (f) => f.startsWith('sync/'),
};

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../../src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function moduleOf(rel: string): string {
  const first = rel.split('/')[0] ?? '';
  return first.replace(/\.(ts|js)$/, '');
}

function imports(source: string): string[] {
  const out: string[] = [];
  const re = /(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (let m = re.exec(source); m; m = re.exec(source)) out.push((m[1] ?? m[2]) as string);
  return out;
}

const sources = files(root).map((p) => ({ rel: relative(root, p).split('\\').join('/'), text: readFileSync(p, 'utf8') }));

test('every source module has a rank', () => {
  for (const { rel } of sources) assert.ok(moduleOf(rel) in RANK, `${rel}: module "${moduleOf(rel)}" has no rank in ARCHITECTURE.md`);
});

test('modules import only from lower ranks', () => {
  const violations: string[] = [];
  for (const { rel, text } of sources) {
    const from = moduleOf(rel);
    for (const spec of imports(text)) {
      if (!spec.startsWith('.')) continue;
      const target = relative(root, resolve(root, dirname(rel), spec))
        .split('\\')
        .join('/');
      const to = moduleOf(target);
      if (to === from) continue;
      if ((RANK[to] ?? 99) >= (RANK[from] ?? -1)) violations.push(`${rel} (${from}, rank ${RANK[from]}) imports ${spec} (${to}, rank ${RANK[to]})`);
    }
  }
  assert.deepEqual(violations, []);
});

test('content/copy.ts knows only interfaces, never registry/ or layout/', () => {
  const copy = sources.find((s) => s.rel === 'content/copy.ts');
  if (!copy) return;
  for (const spec of imports(copy.text)) assert.ok(!/registry|layout/.test(spec), `content/copy.ts imports ${spec}`);
});

test('third-party packages stay in their owning module', () => {
  const violations: string[] = [];
  for (const { rel, text } of sources) {
    for (const spec of imports(text)) {
      if (spec.startsWith('.') || spec.startsWith('node:')) continue;
      const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] as string);
      const owner = OWNER[pkg];
      if (!owner) violations.push(`${rel} imports ${pkg}, which has no owning module`);
      else if (!owner(rel)) violations.push(`${rel} imports ${pkg} outside its owning module`);
    }
  }
  assert.deepEqual(violations, []);
});

/** Every import cycle of `graph` (file → files it imports), each as the path that closes it. */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const found: string[][] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    path.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') found.push([...path.slice(path.indexOf(next)), next]);
      else if (!state.has(next) && graph.has(next)) visit(next);
    }
    path.pop();
    state.set(file, 'done');
  };
  for (const file of [...graph.keys()].sort()) if (!state.has(file)) visit(file);
  return found;
}

test('no import cycles, even inside a folder (type-only imports count: they tie the files together too)', () => {
  // Ranks already forbid cycles between modules, so these are the ones within one module.
  const graph = new Map(
    sources.map(({ rel, text }) => [
      rel,
      imports(text)
        .filter((spec) => spec.startsWith('.'))
        .map((spec) =>
          relative(root, resolve(root, dirname(rel), spec))
            .split('\\')
            .join('/')
            .replace(/\.js$/, '.ts'),
        ),
    ]),
  );
  assert.deepEqual(
    cycles(graph).map((c) => c.join(' → ')),
    [],
  );
});

test('the cycle finder finds cycles', () => {
  const graph = new Map([
    ['cli/a.ts', ['cli/b.ts']],
    ['cli/b.ts', ['cli/c.ts', 'errors.ts']],
    ['cli/c.ts', ['cli/a.ts']],
    ['errors.ts', []],
    ['x/self.ts', ['x/self.ts']],
  ]);
  assert.deepEqual(cycles(graph), [
    ['cli/a.ts', 'cli/b.ts', 'cli/c.ts', 'cli/a.ts'],
    ['x/self.ts', 'x/self.ts'],
  ]);
});

test('the checker sees the imports it claims to check', () => {
  assert.deepEqual(imports(`import { a } from './x.js';\nexport { b } from "../y.js";\nconst c = await import('./z.js');`), ['./x.js', '../y.js', './z.js']);
});
