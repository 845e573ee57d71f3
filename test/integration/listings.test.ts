import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { tempDir } from '../support/cli.js';
import { startFaultyRegistry, type FaultyRegistry, type ListingScript } from '../support/faulty-registry.js';
import { runReliably as runCli } from '../support/no-internal-error.js';

const name = (prefix: string, i: number): string => `${prefix}${String(i).padStart(6, '0')}`;

describe('huge and looping listings: tags and catalog', () => {
  let registry: FaultyRegistry | undefined;
  const cache = tempDir('regctl-listings-');
  afterEach(async () => {
    await registry?.close();
    registry = undefined;
  });

  const serve = async (which: 'tags' | 'catalog', script: ListingScript): Promise<{ args: (...extra: string[]) => string[]; prefix: string }> => {
    registry = await startFaultyRegistry({ [which]: script });
    const host = registry.host;
    return which === 'tags'
      ? { args: (...extra) => ['--cache-dir', cache.dir, 'tags', ...extra, `${host}/team/app`], prefix: 'tag-' }
      : { args: (...extra) => ['--cache-dir', cache.dir, 'catalog', ...extra, host], prefix: 'repo-' };
  };

  for (const which of ['tags', 'catalog'] as const) {
    it(`${which}: 200,000 names in one page are all printed, in order, one a line (exit 0)`, async () => {
      const { args, prefix } = await serve(which, { count: 200_000 });
      const r = await runCli(args());
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.split('\n');
      assert.equal(lines.pop(), '');
      assert.equal(lines.length, 200_000);
      assert.equal(lines[0], name(prefix, 0));
      assert.equal(lines[199_999], name(prefix, 199_999));
    });

    it(`${which} --json: 200,000 names in one page make one valid document`, async () => {
      const { args, prefix } = await serve(which, { count: 200_000 });
      const r = await runCli(args('--json'));
      assert.equal(r.code, 0, r.stderr);
      const doc = JSON.parse(r.stdout) as { tags?: string[]; repositories?: string[] };
      const list = doc.tags ?? doc.repositories ?? [];
      assert.equal(list.length, 200_000);
      assert.equal(list[123_456], name(prefix, 123_456));
    });

    it(`${which}: 40 pages of 1,000 are followed to the end, text and --json`, async () => {
      const { args, prefix } = await serve(which, { count: 40_000, pageSize: 1000 });
      const r = await runCli(args());
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.trimEnd().split('\n');
      assert.deepEqual(
        lines,
        Array.from({ length: 40_000 }, (_, i) => name(prefix, i)),
      );
      const j = await runCli(args('--json'));
      assert.equal(j.code, 0, j.stderr);
      const doc = JSON.parse(j.stdout) as { tags?: string[]; repositories?: string[] };
      assert.deepEqual(doc.tags ?? doc.repositories, lines);
      assert.equal(registry!.requests.filter((q) => q.url.includes(which === 'tags' ? '/tags/list' : '/_catalog')).length, 80);
    });

    for (const loop of ['self', 'cycle'] as const) {
      it(`${which}: a Link that loops (${loop}) stops with exit 1 and nothing printed twice`, async () => {
        const { args } = await serve(which, { count: 5000, pageSize: 1000, loop });
        const r = await runCli(args());
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stderr, /^Error: .*sent a Link header that loops back to a page already read .*; stopped$/m);
        const lines = r.stdout === '' ? [] : r.stdout.trimEnd().split('\n');
        assert.equal(new Set(lines).size, lines.length, 'no name printed twice');
        // A page whose Link loops is not printed (as a page whose Link is refused): self-loop, nothing; a cycle, the pages before.
        assert.equal(lines.length, loop === 'self' ? 0 : 3000);
      });
    }
  }
});
