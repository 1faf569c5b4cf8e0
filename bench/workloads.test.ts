import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startServerUnderTest } from './server-process.ts';
import { deactivationOrder, runSuite, WorkloadAbort } from './workloads.ts';

const fakeServer = fileURLToPath(new URL('./fixtures/fake-scim-server.ts', import.meta.url));

const suiteOptions = {
  users: 120,
  lookups: 50,
  memberRequests: 20,
  batchRequests: 4,
  batchSize: 50,
  bigGroupSize: 100,
  buildBatchSize: 30,
  sweepPages: 5,
  only: undefined,
  log: () => {},
};

async function withFakeServer<T>(
  args: string[],
  body: (context: Parameters<typeof runSuite>[0]) => Promise<T>,
) {
  const server = await startServerUnderTest({ script: fakeServer, args, startTimeoutMs: 20_000 });
  try {
    return await body({ server, concurrency: 8, requestTimeoutMs: 5000, maxDurationMs: 30_000 });
  } finally {
    await server.stop();
  }
}

describe('workload suite against a fake SCIM server', () => {
  test('runs every workload with the planned number of requests and no failures', async () => {
    const results = await withFakeServer([], (context) => runSuite(context, suiteOptions));
    const byKey = new Map(results.map((measurement) => [measurement.key, measurement]));
    assert.deepEqual(
      [...byKey.keys()],
      ['W1', 'W2', 'W3-build', 'W3a-small', 'W3a-big', 'W3b-small', 'W3b-big', 'W4', 'W5', 'W6'],
    );
    assert.equal(byKey.get('W1')!.requests, 120);
    assert.equal(byKey.get('W2')!.requests, 50);
    assert.equal(byKey.get('W3-build')!.requests, 4, '100 members in PATCHes of 30');
    assert.equal(byKey.get('W3a-big')!.requests, 20);
    assert.equal(byKey.get('W3b-small')!.requests, 4);
    assert.equal(byKey.get('W4')!.requests, 6, '120 users in pages of 100, swept until at least 5 pages');
    assert.equal(byKey.get('W5')!.requests, 120);
    assert.equal(byKey.get('W6')!.requests, 50, 'as many substring lookups as W2 lookups');
    for (const measurement of results) {
      assert.equal(
        measurement.failed,
        0,
        `${measurement.key}: ${JSON.stringify(measurement.failureSamples)}`,
      );
      assert.deepEqual(measurement.problems, [], measurement.key);
      assert.ok(measurement.serverCpuMsPerRequest > 0, measurement.key);
      assert.ok(measurement.latency.p99Ms >= measurement.latency.p50Ms, measurement.key);
    }
    assert.ok(byKey.get('W3b-small')!.unitsPerSecond!.value > 0);
    assert.equal(byKey.get('W3b-small')!.unitsPerSecond!.unit, 'members/s');
  });

  test('--only W2 keeps user creation as a setup step and runs only the lookups', async () => {
    const results = await withFakeServer([], (context) =>
      runSuite(context, { ...suiteOptions, only: ['W2'] }),
    );
    assert.deepEqual(
      results.map((measurement) => [measurement.key, measurement.setup]),
      [
        ['W1', true],
        ['W2', false],
      ],
    );
  });

  test('W4 reports every sweep that does not see each user exactly once', async () => {
    const results = await withFakeServer(['--repeat-users'], (context) =>
      runSuite(context, { ...suiteOptions, only: ['W4'] }),
    );
    const w4 = results.find((measurement) => measurement.key === 'W4')!;
    assert.equal(w4.failed, 0, 'every page is full');
    assert.deepEqual(w4.problems, [
      'sweep 1 returned 119 distinct users of 120: paging skips or repeats users',
      'sweep 2 returned 119 distinct users of 120: paging skips or repeats users',
      'sweep 3 returned 119 distinct users of 120: paging skips or repeats users',
    ]);
  });

  test('failed creates stop the suite loudly and keep what was measured', async () => {
    const error = await withFakeServer(['--fail-every', '10'], (context) =>
      runSuite(context, suiteOptions).then(
        () => assert.fail('the suite should have stopped'),
        (failure: unknown) => failure,
      ),
    );
    assert.ok(error instanceof WorkloadAbort);
    assert.match(error.message, /W1 created 108 of 120 users/);
    const w1 = error.measured[0]!;
    assert.equal(w1.failed, 12);
    assert.deepEqual(w1.failuresByReason, { 'HTTP 409': 12 });
  });
});

test('W5 takes its users spread evenly, in id order or scattered over the same users', () => {
  assert.deepEqual(deactivationOrder(10, 5, false), [0, 2, 4, 6, 8]);
  assert.deepEqual(deactivationOrder(4, 4, false), [0, 1, 2, 3]);
  const scattered = deactivationOrder(1000, 100, true);
  assert.deepEqual(
    [...scattered].sort((a, b) => a - b),
    deactivationOrder(1000, 100, false),
    'the same users, each once',
  );
  const inOrderSteps = scattered.filter((index, i) => i > 0 && index === scattered[i - 1]! + 10).length;
  assert.ok(inOrderSteps < 10, `shuffled, not in id order (${inOrderSteps} steps to the next user)`);
  assert.deepEqual(deactivationOrder(1000, 100, true), scattered, 'seeded: every run the same order');
});
