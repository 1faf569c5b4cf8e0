import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runLoad } from './load.ts';
import { startServerUnderTest } from './server-process.ts';
import { cpuMsPerRequest } from './stats.ts';

const spinServer = fileURLToPath(new URL('./fixtures/spin-server.ts', import.meta.url));

test("charges the server child's CPU, not the load generator's, to each request", async () => {
  const server = await startServerUnderTest({ script: spinServer, args: [], startTimeoutMs: 20_000 });
  try {
    const before = await server.usage();
    const result = await runLoad(
      { total: 200, request: () => ({ method: 'GET', path: '/spin/2' }) },
      { baseUrl: server.bridgeAddress, concurrency: 4, requestTimeoutMs: 5000, maxDurationMs: 30_000 },
    );
    const after = await server.usage();
    assert.equal(result.succeeded, 200);
    const perRequest = cpuMsPerRequest(before.cpu, after.cpu, result.succeeded);
    // 2 ms of burnt CPU per request plus the HTTP work: well under 1 ms on a quiet machine,
    // over 1 ms on a loaded one. Charging the load generator instead would give far under 2.
    assert.ok(perRequest >= 2 && perRequest < 6, `server CPU per request ${perRequest} ms`);
    assert.ok(after.rssBytes > 10 * 1024 * 1024);
  } finally {
    await server.stop();
  }
});

test('reads and resets the peak resident memory of the server process', async () => {
  const server = await startServerUnderTest({ script: spinServer, args: [], startTimeoutMs: 20_000 });
  const MiB = 1024 * 1024;
  try {
    const get = (path: string) => fetch(`${server.bridgeAddress}${path}`).then((res) => res.text());
    const start = server.peakRssBytes();
    assert.ok(start !== undefined && start > 10 * MiB, `peak ${start}`);
    await get('/balloon/96');
    const ballooned = server.peakRssBytes()!;
    assert.ok(ballooned >= start + 80 * MiB, `peak ${ballooned} after holding 96 MiB, from ${start}`);
    await get('/release');
    assert.equal(server.resetPeakRss(), true);
    const afterReset = server.peakRssBytes()!;
    // The balloon is gone, so a new window starts well below the old peak.
    assert.ok(afterReset < ballooned - 64 * MiB, `peak ${afterReset} after reset, ${ballooned} before`);
  } finally {
    await server.stop();
  }
});

test('stop ends the child process', async () => {
  const server = await startServerUnderTest({ script: spinServer, args: [], startTimeoutMs: 20_000 });
  await server.stop();
  assert.throws(() => process.kill(server.pid, 0), /ESRCH/);
  await assert.rejects(server.usage(), /exited/);
});
