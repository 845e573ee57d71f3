import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseShard } from '../../src/commands/sync.js';
import { parseRateLimitRemaining, RateGate } from '../../src/sync/rate-gate.js';
import { compileTagFilter, tagVersion } from '../../src/sync/tag-filter.js';

const TAGS = ['3.17', '3.17.3', '3.18', '3.18.4', '3.19', '3.19.0-rc1', '3.20-rc', 'v3.21.0', '3.19-alpine', 'edge', 'latest', 'latest-rc', '4', '1.2.3.4'];

test('tag rules: semver or allow, minus deny; none given takes all', () => {
  const cases: [Parameters<typeof compileTagFilter>[0], string[]][] = [
    [undefined, TAGS],
    [{}, TAGS],
    [{ semver: '>=3.18', allow: ['^latest$'], deny: ['-rc'] }, ['3.18', '3.18.4', '3.19', 'v3.21.0', 'latest', '4']],
    [{ semver: '>=3.18 <4' }, ['3.18', '3.18.4', '3.19', 'v3.21.0']],
    [{ semver: '~3.19.0-0' }, ['3.19', '3.19.0-rc1']],
    [{ allow: ['^3\\.17'] }, ['3.17', '3.17.3']],
    [{ deny: ['^3\\.', 'rc'] }, ['v3.21.0', 'edge', 'latest', '4', '1.2.3.4']],
    [{ allow: ['alpine$'], semver: '4.x' }, ['3.19-alpine', '4']],
  ];
  for (const [rules, expected] of cases) {
    assert.deepEqual(TAGS.filter(compileTagFilter(rules)), expected, JSON.stringify(rules));
  }
});

test('tagVersion reads semver and the short forms registries use', () => {
  assert.deepEqual(['1', '1.2', 'v1.2', '1.2.3', 'v1.2.3', '1.2.3-rc.1', '01.2', 'latest', '1.2.3.4', '3.19-alpine', 'v'].map(tagVersion), [
    '1.0.0',
    '1.2.0',
    '1.2.0',
    '1.2.3',
    '1.2.3',
    '1.2.3-rc.1',
    '1.2.0',
    undefined,
    undefined,
    undefined,
    undefined,
  ]);
});

test('ratelimit-remaining: Docker Hub form and plain numbers; anything else ignored', () => {
  assert.deepEqual(['76;w=21600', '0;w=21600', ' 12 ', '5', 'x;w=1', '', undefined, '-1'].map(parseRateLimitRemaining), [
    76,
    0,
    12,
    5,
    undefined,
    undefined,
    undefined,
    undefined,
  ]);
});

test('the rate gate counts pulls whose GET has not answered, and stops at the minimum', () => {
  let clock = 0;
  const gate = new RateGate(10, () => clock);
  assert.equal(gate.acquire('hub'), undefined, 'no header seen: no limit');
  gate.release('hub');
  gate.observe('HUB', '12;w=21600');
  assert.equal(gate.left('hub'), 12);
  assert.equal(gate.acquire('hub'), undefined, '12 - 0 > 10');
  assert.equal(gate.acquire('hub'), undefined, '12 - 1 > 10');
  assert.deepEqual(gate.acquire('hub'), { host: 'hub', remaining: 12, inFlight: 2 }, '12 - 2 is not above 10');
  gate.observe('hub', '11;w=21600');
  gate.release('hub');
  assert.ok(gate.acquire('hub'), 'one GET answered (11 left), one not yet: 11 - 1 is not above 10');
  gate.observe('hub', '12;w=21600');
  assert.equal(gate.left('hub'), 11, 'a higher count arriving just after a fall is an older answer: ignored');
  clock += 61_000;
  gate.observe('hub', '20;w=21600');
  assert.equal(gate.left('hub'), 20, 'a minute on, the window has moved: the count rises');
  assert.equal(gate.acquire('hub'), undefined, '20 - 1 > 10');
  gate.release('hub');
  gate.release('hub');
  gate.observe('hub', 'garbage');
  assert.equal(gate.left('hub'), 20, 'a malformed value keeps the last one');
  gate.observe('hub', '10;w=21600');
  assert.ok(gate.acquire('hub'));
  assert.equal(gate.acquire('other'), undefined, 'hosts are separate');
  gate.exhaust('other');
  assert.deepEqual(gate.acquire('other'), { host: 'other', remaining: 0, inFlight: 1 });
  assert.ok(new RateGate(0).acquire('x') === undefined);
});

test('--shard I/N', () => {
  assert.deepEqual(parseShard('1/4'), { index: 1, count: 4 });
  assert.deepEqual(parseShard('4/4'), { index: 4, count: 4 });
  for (const bad of ['0/4', '5/4', '1/0', '1', 'a/b', '1/4/2', '-1/4']) assert.throws(() => parseShard(bad), /invalid --shard/, bad);
});
