import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { LayoutStore } from '../../src/layout/layout-store.js';

describe('creating a layout: whole or not at all', () => {
  const base = mkdtempSync(join(tmpdir(), 'regctl-create-layout-'));
  after(() => rmSync(base, { recursive: true, force: true }));
  const layoutFiles = (dir: string): string[] =>
    readdirSync(dir)
      .filter((n) => n !== '.tmp')
      .sort();

  it('a missing directory becomes a complete layout, and no staging directory is left beside it', async () => {
    const dir = join(base, 'missing', 'cache');
    await LayoutStore.open(dir, { create: true });
    assert.deepEqual(layoutFiles(dir), ['blobs', 'index.json', 'oci-layout']);
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'oci-layout'), 'utf8')), { imageLayoutVersion: '1.0.0' });
    assert.deepEqual(readdirSync(join(dir, 'blobs')), ['sha256']);
    assert.deepEqual(readdirSync(join(base, 'missing')), ['cache']);
  });

  it('an empty directory becomes a layout in its place', async () => {
    const dir = join(base, 'empty');
    mkdirSync(dir);
    await LayoutStore.open(dir, { create: true });
    assert.deepEqual(layoutFiles(dir), ['blobs', 'index.json', 'oci-layout']);
  });

  it("a symlink to an empty directory stays a symlink: the layout is made in the link's target", async () => {
    const target = join(base, 'target');
    const link = join(base, 'link');
    mkdirSync(target);
    symlinkSync(target, link);
    await LayoutStore.open(link, { create: true });
    assert.ok(lstatSync(link).isSymbolicLink());
    assert.deepEqual(layoutFiles(target), ['blobs', 'index.json', 'oci-layout']);
  });

  it('a directory holding other files gets the layout written in place; what was there stays', async () => {
    const dir = join(base, 'busy');
    mkdirSync(dir);
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    await LayoutStore.open(dir, { create: true });
    assert.deepEqual(layoutFiles(dir), ['blobs', 'index.json', 'notes.txt', 'oci-layout']);
  });

  it('a half-made layout (index.json without the oci-layout marker) is completed', async () => {
    const dir = join(base, 'half');
    mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
    writeFileSync(join(dir, 'index.json'), '{"schemaVersion":2,"manifests":[]}');
    await LayoutStore.open(dir, { create: true });
    assert.deepEqual(layoutFiles(dir), ['blobs', 'index.json', 'oci-layout']);
  });

  it('a staging directory left by a killed creator is removed; a live one is kept', async () => {
    const parent = join(base, 'stale');
    mkdirSync(parent);
    const dead = join(parent, '.cache.2147483646.abcd0123.new');
    const live = join(parent, `.cache.${process.ppid}.abcd0123.new`);
    mkdirSync(dead);
    mkdirSync(live);
    await LayoutStore.open(join(parent, 'cache'), { create: true });
    assert.deepEqual(readdirSync(parent).sort(), [`.cache.${process.ppid}.abcd0123.new`, 'cache']);
  });
});
