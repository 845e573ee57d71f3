import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { MemoryStore } from '../../src/content/memory-store.js';
import { RegctlError } from '../../src/errors.js';
import { sha256Digest } from '../../src/oci/digest.js';
import { PushClaims } from '../../src/sync/push-claims.js';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { formatRepository, parseReference } from '../../src/ref/reference.js';
import { RateGate } from '../../src/sync/rate-gate.js';
import { runSync } from '../../src/sync/runner.js';
import type { SyncEnds, SyncEvent, SyncItem, SyncResult, SyncRunOptions } from '../../src/sync/types.js';
import { buildRandomImage, buildRandomIndex } from '../support/random-image.js';

/** Repositories in memory, keyed `registry/repository`, with counters of what was written to each. */
class World {
  readonly repos = new Map<string, MemoryStore>();
  readonly writes = new Map<string, number>();
  /** Called on every source manifest read by digest (a "GET"): the pull-limit simulation hooks in here. */
  onPull: ((repo: string) => void) | undefined;

  repo(name: string): MemoryStore {
    let r = this.repos.get(name);
    if (!r) {
      r = new MemoryStore();
      this.repos.set(name, r);
    }
    return r;
  }

  ends(): SyncEnds {
    return {
      source: (ref) => {
        const name = formatRepository(ref);
        const store = this.repos.get(name);
        const missing = (): never => {
          throw new RegctlError('not-found', `repository ${name} not found`);
        };
        const target = store ?? new MemoryStore();
        return {
          target: {
            ...target,
            fetch: (d: Descriptor) => target.fetch(d),
            push: (d, c) => target.push(d, c),
            exists: (d: Descriptor) => target.exists(d),
            tag: (d: Descriptor, r: string) => target.tag(d, r),
            resolve: async (r: string) => {
              this.onPull?.(name);
              return target.resolve(r);
            },
          },
          head: (r) => (store ? store.resolve(r) : missing()),
          tags: async () => (store ? [...store.list().keys()] : missing()),
          host: () => ref.registry,
        };
      },
      target: async (task) => {
        if (task.target.kind !== 'registry') throw new Error('registry targets only here');
        const name = formatRepository(task.target.ref);
        const store = this.repo(name);
        const count = (): void => void this.writes.set(name, (this.writes.get(name) ?? 0) + 1);
        const writer = Object.assign(Object.create(store) as MemoryStore, {
          push: async (d: Descriptor, c: NodeJS.ReadableStream) => {
            count();
            return store.push(d, c as never);
          },
        });
        return {
          open: async () => writer,
          current: async (head) => {
            try {
              return (await store.resolve(task.name ?? head.digest)).digest;
            } catch {
              return undefined;
            }
          },
          name: async (desc) => {
            if (task.name) {
              count();
              await store.tag(desc, task.name);
            }
          },
        };
      },
    };
  }
}

function item(source: string, target: string, extra: Partial<SyncItem> = {}): SyncItem {
  const t = parseReference(target, { defaultTag: false });
  return {
    source: parseReference(source, { defaultTag: false }),
    target: { kind: 'registry', ref: t },
    platforms: [],
    referrers: false,
    origin: 'test',
    ...extra,
  };
}

async function run(
  world: World,
  items: SyncItem[],
  options: SyncRunOptions = {},
): Promise<{ results: SyncResult[]; events: SyncEvent[]; totals: Awaited<ReturnType<typeof runSync>> }> {
  const events: SyncEvent[] = [];
  const totals = await runSync(items, world.ends(), { jobs: 3, ...options, onEvent: (e) => events.push(e) });
  const results = events.flatMap((e) => (e.type === 'result' ? [e.result] : [])).sort((a, b) => a.index - b.index);
  return { results, events, totals };
}

async function seed(world: World, repo: string, tags: string[]): Promise<void> {
  const store = world.repo(repo);
  for (const tag of tags) await buildRandomImage(store, { seed: `${repo}:${tag}`, layers: 1, layerSize: 200, tag });
}

test('every tag copied, then a second run writes nothing; a failing item does not stop the others', async () => {
  const w = new World();
  await seed(w, 'src.example/app', ['v3', 'v1', 'v2']);
  await seed(w, 'src.example/tool', ['1.0']);
  const items = [
    item('src.example/app', 'dst.example/app'),
    item('src.example/missing', 'dst.example/missing'),
    item('src.example/tool:1.0', 'dst.example/tool'),
  ];
  const first = await run(w, items);
  assert.deepEqual(
    first.results.map((r) => [r.source, r.target, r.status]),
    [
      ['src.example/app:v1', 'dst.example/app:v1', 'copied'],
      ['src.example/app:v2', 'dst.example/app:v2', 'copied'],
      ['src.example/app:v3', 'dst.example/app:v3', 'copied'],
      ['src.example/missing', 'dst.example/missing', 'failed'],
      ['src.example/tool:1.0', 'dst.example/tool:1.0', 'copied'],
    ],
  );
  assert.deepEqual(
    [first.results[3]?.kind, first.results[3]?.exitCode, first.results[3]?.reason],
    ['not-found', 3, 'repository src.example/missing not found'],
  );
  assert.deepEqual([first.totals.images, first.totals.copied, first.totals.failed, first.totals.blobs.copied], [5, 4, 1, 8]);
  assert.deepEqual(
    first.events.filter((e) => e.type === 'planned'),
    [{ type: 'planned', total: 5 }],
  );
  for (const tag of ['v1', 'v2', 'v3'])
    assert.equal((await w.repo('dst.example/app').resolve(tag)).digest, (await w.repo('src.example/app').resolve(tag)).digest);

  w.writes.clear();
  const second = await run(w, items);
  assert.deepEqual(
    second.results.map((r) => r.status),
    ['up-to-date', 'up-to-date', 'up-to-date', 'failed', 'up-to-date'],
  );
  assert.deepEqual([...w.writes.values()], [], 'nothing written the second time');
  assert.equal(second.events.filter((e) => e.type === 'start').length, 0);

  const dry = await run(w, [item('src.example/app', 'dst.example/other')], { dryRun: true });
  assert.deepEqual(
    dry.results.map((r) => r.status),
    ['would-copy', 'would-copy', 'would-copy'],
  );
  assert.equal(w.writes.get('dst.example/other'), undefined);
});

test('--shard: the shards of a plan cover every image exactly once, in the plan order', async () => {
  const w = new World();
  await seed(w, 'src.example/a', ['1', '2', '3', '4', '5']);
  await seed(w, 'src.example/b', ['x', 'y']);
  const items = [item('src.example/a', 'dst.example/a'), item('src.example/b', 'dst.example/b')];
  const seen: string[][] = [];
  for (const index of [1, 2, 3]) {
    const { results } = await run(w, items, { shard: { index, count: 3 }, dryRun: true });
    seen.push(results.map((r) => r.source.replace('src.example/', '')));
  }
  assert.deepEqual(seen, [
    ['a:1', 'a:4', 'b:y'],
    ['a:2', 'a:5'],
    ['a:3', 'b:x'],
  ]);
});

test('a pull limit stops new copies at the minimum; the rest are skipped, up-to-date ones still checked', async () => {
  const w = new World();
  await seed(w, 'hub.example/app', ['a', 'b', 'c', 'd', 'e', 'f']);
  // "a" is already mirrored: it costs no pull and is reported up to date whatever the limit.
  await run(w, [item('hub.example/app:a', 'dst.example/app')]);
  const gate = new RateGate(10);
  let remaining = 12;
  gate.observe('hub.example', String(remaining));
  w.onPull = () => gate.observe('hub.example', `${--remaining};w=21600`);
  const { results, totals } = await run(w, [item('hub.example/app', 'dst.example/app')], { gate, jobs: 1 });
  assert.deepEqual(
    results.map((r) => r.status),
    ['up-to-date', 'copied', 'copied', 'skipped', 'skipped', 'skipped'],
  );
  assert.match(results[3]?.reason ?? '', /^pull limit: hub\.example has 10 pull\(s\) left, and --ratelimit-min is 10$/);
  assert.equal(remaining, 10, 'never below the minimum');
  assert.deepEqual([totals.failed, totals.skipped], [0, 3]);
});

test('platforms: a filtered index is copied once, then found up to date', async () => {
  const w = new World();
  const platforms = [
    { os: 'linux', architecture: 'amd64' },
    { os: 'linux', architecture: 'arm64' },
    { os: 'linux', architecture: 's390x' },
  ];
  const index = await buildRandomIndex(w.repo('src.example/multi'), { seed: 'multi', platforms, tag: 'v1' });
  const items = [item('src.example/multi', 'dst.example/multi', { platforms: [platforms[1]!, platforms[2]!] })];
  const first = await run(w, items);
  assert.equal(first.results[0]?.status, 'copied');
  assert.equal(first.results[0]?.sourceDigest, index.index.digest);
  assert.notEqual(first.results[0]?.digest, index.index.digest);
  assert.equal(first.results[0]?.blobs?.copied, 4, 'two images of two blobs each');
  w.writes.clear();
  const second = await run(w, items);
  assert.deepEqual(
    second.results.map((r) => [r.status, r.digest, r.sourceDigest]),
    [['up-to-date', first.results[0]?.digest, index.index.digest]],
  );
  assert.deepEqual([...w.writes.values()], []);
});

test('tags naming one image: one pull and one upload per blob, the other tags only named', async () => {
  const w = new World();
  const image = await buildRandomImage(w.repo('src.example/alias'), { seed: 'alias', layers: 2, layerSize: 300, tag: 'a' });
  for (const t of ['b', 'c', 'd', 'e']) await w.repo('src.example/alias').tag(image.manifest, t);
  let pulls = 0;
  w.onPull = () => void pulls++;
  const { results, totals } = await run(w, [item('src.example/alias', 'dst.example/alias')], { jobs: 4 });
  assert.deepEqual(
    results.map((r) => [r.status, r.digest]),
    ['a', 'b', 'c', 'd', 'e'].map(() => ['copied', image.manifest.digest]),
  );
  assert.equal(pulls, 1);
  assert.deepEqual([totals.blobs.copied, totals.blobs.skipped], [3, 0], 'config and two layers, once');
  for (const t of ['a', 'b', 'c', 'd', 'e']) assert.equal((await w.repo('dst.example/alias').resolve(t)).digest, image.manifest.digest);
});

test('push claims: one writer per digest and target at a time; the others wait, then find it present', async () => {
  const store = new MemoryStore();
  const claims = new PushClaims();
  const bytes = Buffer.from('shared layer');
  const desc = { mediaType: 'application/octet-stream', digest: sha256Digest(bytes), size: bytes.length };
  const first = claims.forTask(store, 'repo');
  const second = claims.forTask(store, 'repo');
  const elsewhere = claims.forTask(store, 'other-repo');
  assert.equal(await first.target.exists(desc), false, 'the first asker claims it');
  assert.equal(await elsewhere.target.exists(desc), false, 'another target is not held up');
  let answered: boolean | undefined;
  const waiting = second.target.exists(desc).then((v) => (answered = v));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(answered, undefined, 'the second waits while the first writes');
  assert.equal(await first.target.exists(desc), false, 'the holder itself never waits');
  await first.target.push(desc, Readable.from([bytes]));
  first.settle(desc);
  await waiting;
  assert.equal(answered, true, 'then finds it present');
  // A holder that ends without writing lets the next one claim it.
  const other = { ...desc, digest: sha256Digest('never written'), size: 13 };
  assert.equal(await first.target.exists(other), false);
  const next = second.target.exists(other);
  first.releaseAll();
  assert.equal(await next, false, 'released unwritten: the waiter claims it in turn');
  second.releaseAll();
});
