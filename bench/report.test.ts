import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { judgeBars } from './bars.ts';
import { measurementOf } from './fixtures/measurement.ts';
import type { Measurement } from './measure.ts';
import { failureReport, GENERATED_END, GENERATED_START, spliceGenerated, terminalTable } from './report.ts';
import { describeMachine, type RunResult } from './result.ts';

const measurement = measurementOf;

function run(users: number, measurements: Measurement[], peakRssMiB = 100): RunResult {
  return {
    version: 1,
    date: '2026-11-23T10:00:00.000Z',
    machine: describeMachine(),
    database: 'sqlite',
    users,
    concurrency: 8,
    command: `npm run bench -- --users ${users}`,
    measurements,
    peakRssMiB,
    failedRequests: measurements.reduce((sum, m) => sum + m.failed, 0),
  };
}

const verdictOf = (runs: Map<number, RunResult>, barStart: string) =>
  judgeBars(runs).find((verdict) => verdict.bar.startsWith(barStart));

describe('bar verdicts', () => {
  const cases: Array<[string, Map<number, RunResult>, string, boolean | undefined]> = [
    [
      'W2 under its bar at 20k is met',
      new Map([[20_000, run(20_000, [measurement('W2', 0.2)])]]),
      'W2 userName',
      true,
    ],
    [
      'W2 over its bar at 20k is not met',
      new Map([[20_000, run(20_000, [measurement('W2', 0.3)])]]),
      'W2 userName',
      false,
    ],
    [
      'a fast figure with failed requests is not met (it measured error answers)',
      new Map([[20_000, run(20_000, [measurement('W2', 0.1, { failed: 3, succeeded: 97 })])]]),
      'W2 userName',
      false,
    ],
    [
      'a run at another size does not decide a bar set at 20k',
      new Map([[2_000, run(2_000, [measurement('W2', 0.1)])]]),
      'W2 userName',
      undefined,
    ],
    [
      'scaling within 25% is met',
      new Map([
        [20_000, run(20_000, [measurement('W4', 1.0)])],
        [100_000, run(100_000, [measurement('W4', 1.2)])],
      ]),
      'W4: same cost',
      true,
    ],
    [
      'scaling beyond 25% is not met',
      new Map([
        [20_000, run(20_000, [measurement('W4', 1.0)])],
        [100_000, run(100_000, [measurement('W4', 1.3)])],
      ]),
      'W4: same cost',
      false,
    ],
    [
      'peak RSS over 200 MiB at 100k is not met',
      new Map([[100_000, run(100_000, [], 250)]]),
      'peak RSS',
      false,
    ],
    ['peak RSS under 200 MiB at 100k is met', new Map([[100_000, run(100_000, [], 150)]]), 'peak RSS', true],
    [
      'W1 at 1,000,000 within 25% of its cost at 20,000 is flat (issue 15)',
      new Map([
        [20_000, run(20_000, [measurement('W1', 0.5)])],
        [1_000_000, run(1_000_000, [measurement('W1', 0.6)])],
      ]),
      'W1: same cost (±25%) at N = 1,000,000',
      true,
    ],
    [
      'W5 at 1,000,000 costing half again its 20,000 figure is not flat (issue 15)',
      new Map([
        [20_000, run(20_000, [measurement('W5', 0.2)])],
        [1_000_000, run(1_000_000, [measurement('W5', 0.3)])],
      ]),
      'W5: same cost (±25%) at N = 1,000,000',
      false,
    ],
    [
      'peak RSS of 180 MiB at 100k meets the issue 2 bar but not the 150 MiB of issue 15',
      new Map([[100_000, run(100_000, [], 180)]]),
      'peak RSS ≤ 150 MiB',
      false,
    ],
    [
      'a setup step never stands in for a workload',
      new Map([[20_000, run(20_000, [measurement('W1', 0.1, { setup: true })])]]),
      'W1 create',
      undefined,
    ],
  ];
  for (const [name, runs, bar, expected] of cases) {
    test(name, () => assert.equal(verdictOf(runs, bar)?.met, expected));
  }
});

describe('reports', () => {
  test('the failure report names the workload, the reasons and sample answers', () => {
    const failing = measurement('W1', 0.1, {
      failed: 2,
      failuresByReason: { 'HTTP 409': 2 },
      failureSamples: [
        {
          index: 4,
          request: 'POST /scim/v2/Users',
          reason: 'HTTP 409',
          detail: '{"scimType":\n"uniqueness"}',
        },
      ],
    });
    const report = failureReport([measurement('W2', 0.1), failing]);
    assert.match(report, /^W1 W1: 2 of 100 failed \(HTTP 409 ×2\)/);
    assert.match(report, /#4 POST \/scim\/v2\/Users → HTTP 409: \{"scimType": "uniqueness"\}/);
    assert.equal(failureReport([measurement('W2', 0.1)]), '');
  });

  test('the terminal table marks errors and shows the bar', () => {
    const table = terminalTable([measurement('W2', 0.123, { failed: 1 })]);
    assert.match(table, /1 ✗/);
    assert.match(table, /0\.123/);
    assert.match(table, /≤ 0\.25/);
  });

  test('regenerating the docs replaces only the generated block', () => {
    const first = spliceGenerated('# Benchmarks\n\nHow we measure.\n', 'table one');
    assert.match(first, /How we measure\.\n\n<!-- bench:results:start/);
    const withNotes = `${first}\n## Hot spots\n\nHand-written.\n`;
    const second = spliceGenerated(withNotes, 'table two');
    assert.ok(second.includes('table two'));
    assert.ok(!second.includes('table one'));
    assert.ok(second.includes('How we measure.'));
    assert.ok(second.includes('Hand-written.'));
    assert.equal(second.split(GENERATED_START).length, 2);
    assert.equal(second.split(GENERATED_END).length, 2);
  });
});
