import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { RegctlError } from '../../src/errors.js';
import { LayoutStore } from '../../src/layout/layout-store.js';
import { parseReference } from '../../src/ref/reference.js';
import { MirroredRepository } from '../../src/registry/mirrored.js';
import { RegistryRepository } from '../../src/registry/repository.js';
import { Session } from '../../src/session.js';

test('Session.open: an oci: layout must exist to read and is created to write; a registry is read through its mirrors', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'regctl-open-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'config'));
  await writeFile(join(dir, 'config', 'config.json'), JSON.stringify({ registries: { 'registry.example': { mirrors: ['mirror.example:5000'] } } }));
  const session = await Session.create({ cacheDir: join(dir, 'cache'), configDir: join(dir, 'config'), env: { HOME: dir } });
  t.after(() => session.close());
  const layout = join(dir, 'layout');
  await assert.rejects(session.open({ kind: 'oci', dir: layout }), (err: unknown) => err instanceof RegctlError && err.kind === 'usage');
  assert.equal(existsSync(layout), false, 'reading creates nothing');
  const store = await session.open({ kind: 'oci', dir: layout }, { write: true });
  assert.ok(store instanceof LayoutStore && existsSync(join(layout, 'index.json')));
  assert.ok((await session.open({ kind: 'registry', ref: parseReference('registry.example/a/b:1') })) instanceof MirroredRepository);
  assert.ok((await session.open({ kind: 'registry', ref: parseReference('other.example/a/b:1') })) instanceof RegistryRepository);
});
