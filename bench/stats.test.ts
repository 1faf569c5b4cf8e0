import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cpuMsPerRequest, percentileOfSorted, summarizeLatencies } from './stats.ts';

describe('latency percentiles (nearest rank)', () => {
  const hundred = Float64Array.from({ length: 100 }, (_, i) => i + 1);
  const cases: Array<[string, Float64Array, number, number]> = [
    ['p50 of 1..100', hundred, 50, 50],
    ['p99 of 1..100', hundred, 99, 99],
    ['p100 of 1..100', hundred, 100, 100],
    ['p0 is the smallest', hundred, 0, 1],
    ['p99 of a single sample', Float64Array.of(7), 99, 7],
    ['p50 of two samples is the lower one', Float64Array.of(1, 9), 50, 1],
    [
      'p99 of 1..10 is the largest (a rare slow request is not averaged away)',
      Float64Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
      99,
      10,
    ],
  ];
  for (const [name, sorted, percent, expected] of cases) {
    test(name, () => assert.equal(percentileOfSorted(sorted, percent), expected));
  }

  test('summary sorts a copy and leaves the samples in request order', () => {
    const samples = Float64Array.of(5, 1, 3, 2, 4);
    const summary = summarizeLatencies(samples);
    assert.deepEqual(summary, { count: 5, meanMs: 3, p50Ms: 3, p99Ms: 5, maxMs: 5 });
    assert.deepEqual(Array.from(samples), [5, 1, 3, 2, 4]);
  });

  test('an empty run has no latencies rather than zeros that look like a fast server', () => {
    const summary = summarizeLatencies(new Float64Array(0));
    assert.equal(summary.count, 0);
    assert.ok(Number.isNaN(summary.p50Ms));
    assert.ok(Number.isNaN(summary.p99Ms));
  });
});

describe('server CPU per request', () => {
  test('adds user and system time and divides by requests', () => {
    const before = { user: 1_000_000, system: 200_000 };
    const after = { user: 1_600_000, system: 400_000 };
    assert.equal(cpuMsPerRequest(before, after, 1000), 0.8);
  });
  test('no requests gives no figure', () => {
    assert.ok(Number.isNaN(cpuMsPerRequest({ user: 0, system: 0 }, { user: 5, system: 5 }, 0)));
  });
});
