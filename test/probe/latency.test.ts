import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countByClass, nearestRank, summarizeLatency } from '../../src/probe/latency.ts';

test('nearest-rank percentiles on 1..100 are the rank itself', () => {
  const samples = Array.from({ length: 100 }, (_, i) => 100 - i); // unsorted on purpose
  assert.deepEqual(summarizeLatency(samples), {
    count: 100,
    min: 1,
    max: 100,
    mean: 50.5,
    p50: 50,
    p90: 90,
    p95: 95,
    p99: 99,
  });
});

test('nearest-rank on a small sample picks observed values, never interpolates', () => {
  // n = 5: p50 -> rank ceil(2.5) = 3, p90 -> ceil(4.5) = 5, p95 -> 5, p99 -> 5
  const stats = summarizeLatency([12.5, 40, 10, 11, 300]);
  assert.equal(stats.p50, 12.5);
  assert.equal(stats.p90, 300);
  assert.equal(stats.p95, 300);
  assert.equal(stats.mean, 74.7);
  // n = 20: p95 -> rank 19 exactly, no float drift to rank 20
  const twenty = Array.from({ length: 20 }, (_, i) => i + 1);
  assert.equal(nearestRank(twenty, 95), 19);
  assert.equal(nearestRank(twenty, 90), 18);
  assert.equal(nearestRank([7], 50), 7);
});

test('one sample and no samples', () => {
  assert.deepEqual(summarizeLatency([7.12345]), {
    count: 1,
    min: 7.123,
    max: 7.123,
    mean: 7.123,
    p50: 7.123,
    p90: 7.123,
    p95: 7.123,
    p99: 7.123,
  });
  assert.equal(summarizeLatency([]).count, 0);
  assert.equal(summarizeLatency([]).p95, 0);
});

test('errors are counted by class', () => {
  assert.deepEqual(countByClass(['timeout', 'http-5xx', 'timeout', 'connection-refused']), {
    'connection-refused': 1,
    'http-5xx': 1,
    timeout: 2,
  });
  assert.deepEqual(countByClass([]), {});
});
