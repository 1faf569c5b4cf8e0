import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { measurementOf } from './fixtures/measurement.ts';
import { replicaFigures, replicasMarkdown } from './replicas.ts';

describe('replicas figures', () => {
  const runs = [
    {
      bridges: 1,
      measurements: [
        measurementOf('W1', 2, { setup: true, requestsPerSecond: 400 }),
        measurementOf('W2', 0.5, { requestsPerSecond: 1500 }),
      ],
    },
    {
      bridges: 2,
      measurements: [
        measurementOf('W1', 2.2, { requestsPerSecond: 420 }),
        measurementOf('W2', 0.55, { requestsPerSecond: 1480, failed: 3 }),
      ],
    },
  ];

  test('creates and lookups per second and CPU per request for each number of bridges', () => {
    assert.deepEqual(replicaFigures(runs), [
      {
        bridges: 1,
        createsPerSecond: 400,
        createCpuMs: 2,
        lookupsPerSecond: 1500,
        lookupCpuMs: 0.5,
        failed: 0,
      },
      {
        bridges: 2,
        createsPerSecond: 420,
        createCpuMs: 2.2,
        lookupsPerSecond: 1480,
        lookupCpuMs: 0.55,
        failed: 3,
      },
    ]);
  });

  test('the table shows each CPU figure against one bridge, and the failures', () => {
    const table = replicasMarkdown(replicaFigures(runs)).split('\n');
    assert.equal(table[2], '| 1 | 400 | 2.000 (×1.00) | 1,500 | 0.500 (×1.00) | 0 |');
    assert.equal(table[3], '| 2 | 420 | 2.200 (×1.10) | 1,480 | 0.550 (×1.10) | 3 |');
  });

  test('a run without lookups shows a dash, and a run without creates is refused', () => {
    const table = replicasMarkdown(replicaFigures([{ bridges: 3, measurements: [measurementOf('W1', 1)] }]));
    assert.match(table, /\| 3 \| 100 \| 1\.000 \| – \| – \| 0 \|/);
    assert.throws(() => replicaFigures([{ bridges: 1, measurements: [] }]), /no W1/);
  });
});
