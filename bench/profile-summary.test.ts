import assert from 'node:assert/strict';
import { test } from 'node:test';
import { summarizeProfile } from './profile-summary.ts';

const frame = (id: number, functionName: string, url: string) => ({
  id,
  callFrame: { functionName, url, lineNumber: 9 },
});

test('shares are of busy time, grouped by function and by module, idle left out', () => {
  const profile = {
    nodes: [
      frame(1, '(idle)', ''),
      frame(2, 'compileFilter', 'file:///work/main/src/storage/filter-sql.ts'),
      frame(3, 'serialize', 'file:///work/main/node_modules/fastify/lib/reply.js'),
      frame(4, 'step', 'file:///work/main/node_modules/@scope/pkg/index.js'),
      frame(5, '(garbage collector)', ''),
    ],
    samples: [1, 2, 2, 3, 4, 5, 1],
    timeDeltas: [5000, 1000, 1000, 1000, 500, 500, 5000],
  };
  const summary = summarizeProfile(profile, 10);
  assert.equal(summary.busyMs, 4);
  assert.deepEqual(summary.functions[0], {
    name: 'compileFilter src/storage/filter-sql.ts:10',
    percent: 50,
    selfMs: 2,
  });
  assert.deepEqual(
    summary.modules.map((spot) => [spot.name, spot.percent]),
    [
      ['src/storage/filter-sql.ts', 50],
      ['node_modules/fastify', 25],
      ['node_modules/@scope/pkg', 12.5],
      ['(garbage collector)', 12.5],
    ],
  );
  assert.ok(!summary.functions.some((spot) => spot.name === '(idle)'));
});

test('native time is charged to the nearest calling function of ours', () => {
  const commit = { ...frame(3, 'run', ''), children: [] };
  const profile = {
    nodes: [
      { ...frame(1, 'handler', 'file:///work/main/node_modules/fastify/lib/route.js'), children: [2] },
      { ...frame(2, 'transaction', 'file:///work/main/src/storage/sqlite/sqlite-store.ts'), children: [3] },
      commit,
      frame(4, 'writev', ''),
    ],
    samples: [3, 3, 4],
    timeDeltas: [1000, 1000, 1000],
  };
  const summary = summarizeProfile(profile, 10);
  assert.deepEqual(
    summary.nativeByCaller.map((spot) => [spot.name, Math.round(spot.percent)]),
    [
      ['run ← transaction src/storage/sqlite/sqlite-store.ts:10', 67],
      ['writev ← (not ours)', 33],
    ],
  );
});
