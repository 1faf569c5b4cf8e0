/**
 * `npm run bench -- --replicas`: the real bench server in the split shape with two bridge
 * replicas on one session file (bench/server.ts `--bridges 2`), driven by the workload suite
 * at a tiny size. Users created through one bridge are found through the other.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { startServerUnderTest } from './server-process.ts';
import { runSuite } from './workloads.ts';

test('two bridge replicas: the load spreads over both, and CPU is counted for all three processes', {
  timeout: 300_000,
}, async () => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'scimbridge-bench-replicas-'));
  const server = await startServerUnderTest({
    args: ['--data-dir', dataDir, '--mode', 'split', '--bridges', '2'],
    // Three processes start through tsx on what may be a loaded machine.
    startTimeoutMs: 240_000,
  });
  try {
    assert.equal(server.bridgeAddresses.length, 2);
    assert.notEqual(server.bridgeAddresses[0], server.bridgeAddresses[1]);
    for (const address of server.bridgeAddresses) {
      const answer = await fetch(`${address}/scim/v2/Users?count=0`, {
        headers: { authorization: `Bearer ${server.token}` },
      });
      assert.equal(answer.status, 200, `${address} answers SCIM with the shared token`);
    }
    const idle = await server.usage();
    const results = await runSuite(
      { server, concurrency: 4, requestTimeoutMs: 60_000, maxDurationMs: 120_000 },
      {
        users: 40,
        lookups: 40,
        memberRequests: 2,
        batchRequests: 2,
        batchSize: 5,
        bigGroupSize: 20,
        buildBatchSize: 10,
        sweepPages: 1,
        only: ['W2'],
        log: () => {},
      },
    );
    assert.deepEqual(
      results.map((measurement) => [measurement.key, measurement.requests, measurement.failed]),
      [
        ['W1', 40, 0],
        // Each lookup's check compares the id with the one W1 got, whichever bridge created it.
        ['W2', 40, 0],
      ],
    );
    const busy = await server.usage();
    assert.ok(busy.cpu.user + busy.cpu.system > idle.cpu.user + idle.cpu.system);
    // Three Node processes: each holds tens of MiB, so the sum is well over what one holds.
    assert.ok(busy.rssBytes > 3 * 30 * 1024 * 1024, `resident memory ${busy.rssBytes}`);
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
});
