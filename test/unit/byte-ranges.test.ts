import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addRange, coveredBytes, gaps, isRangeList } from '../../src/layout/byte-ranges.js';

test('addRange keeps ranges sorted and merges touching or overlapping ones', () => {
  let r = addRange([], 10, 20);
  r = addRange(r, 30, 40);
  assert.deepEqual(r, [
    [10, 20],
    [30, 40],
  ]);
  assert.deepEqual(addRange(r, 20, 30), [[10, 40]]);
  assert.deepEqual(addRange(r, 0, 5), [
    [0, 5],
    [10, 20],
    [30, 40],
  ]);
  assert.deepEqual(addRange(r, 15, 35), [[10, 40]]);
  assert.deepEqual(addRange(r, 50, 50), r, 'an empty range adds nothing');
  assert.equal(coveredBytes(r), 20);
});

test('gaps lists what is not covered, in order', () => {
  assert.deepEqual(gaps([], 0, 100), [[0, 100]]);
  assert.deepEqual(
    gaps(
      [
        [0, 10],
        [20, 30],
      ],
      0,
      40,
    ),
    [
      [10, 20],
      [30, 40],
    ],
  );
  assert.deepEqual(gaps([[0, 40]], 0, 40), []);
});

test('isRangeList accepts only sorted, disjoint, non-empty ranges inside the size', () => {
  assert.ok(isRangeList([], 10));
  assert.ok(
    isRangeList(
      [
        [1, 2],
        [4, 10],
      ],
      10,
    ),
  );
  assert.ok(
    !isRangeList(
      [
        [4, 10],
        [1, 2],
      ],
      10,
    ),
  );
  assert.ok(!isRangeList([[1, 1]], 10));
  assert.ok(!isRangeList([[1, 11]], 10));
  assert.ok(
    !isRangeList(
      [
        [1, 2],
        [2, 3],
      ],
      10,
    ),
    'touching ranges are merged when written',
  );
  assert.ok(!isRangeList([['1', 2]], 10));
  assert.ok(!isRangeList('nope', 10));
});
