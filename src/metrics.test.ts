import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CollectedGauge, Counter, Histogram, MetricsRegistry, registerProcessMetrics } from './metrics.ts';

describe('Prometheus text exposition', () => {
  test('counters by label, with HELP and TYPE, and label values escaped', async () => {
    const registry = new MetricsRegistry();
    const counter = registry.register(new Counter('requests_total', 'Requests.', ['operation', 'status']));
    counter.inc({ operation: 'users.list', status: '200' });
    counter.inc({ operation: 'users.list', status: '200' }, 2);
    counter.inc({ operation: 'say "hi"\\\n', status: '500' });
    assert.equal(
      await registry.render(),
      [
        '# HELP requests_total Requests.',
        '# TYPE requests_total counter',
        'requests_total{operation="users.list",status="200"} 3',
        'requests_total{operation="say \\"hi\\"\\\\\\n",status="500"} 1',
        '',
      ].join('\n'),
    );
  });

  test('histogram buckets are cumulative, with +Inf, sum and count', async () => {
    const registry = new MetricsRegistry();
    const histogram = registry.register(new Histogram('latency_seconds', 'Latency.', ['op'], [0.1, 1]));
    histogram.observe({ op: 'a' }, 0.05);
    histogram.observe({ op: 'a' }, 0.5);
    histogram.observe({ op: 'a' }, 5);
    const text = await registry.render();
    assert.match(text, /^latency_seconds_bucket\{op="a",le="0\.1"\} 1$/m);
    assert.match(text, /^latency_seconds_bucket\{op="a",le="1"\} 2$/m);
    assert.match(text, /^latency_seconds_bucket\{op="a",le="\+Inf"\} 3$/m);
    assert.match(text, /^latency_seconds_sum\{op="a"\} 5\.55$/m);
    assert.match(text, /^latency_seconds_count\{op="a"\} 3$/m);
  });

  test('collected gauges read their value at render time, after the registry collects', async () => {
    const registry = new MetricsRegistry();
    let depth = 1;
    let collected = 0;
    registry.beforeRender(async () => {
      collected = depth * 10;
    });
    registry.register(
      new CollectedGauge('depth', 'Depth.', () => [{ labels: { state: 'queued' }, value: collected }]),
    );
    assert.match(await registry.render(), /^depth\{state="queued"\} 10$/m);
    depth = 4;
    assert.match(await registry.render(), /^depth\{state="queued"\} 40$/m);
  });

  test('a metric name is registered once; process metrics are there', async () => {
    const registry = new MetricsRegistry();
    registerProcessMetrics(registry, { now: () => new Date() });
    assert.throws(
      () => registry.register(new Counter('process_cpu_seconds_total', 'again')),
      /registered twice/,
    );
    const text = await registry.render();
    for (const name of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'process_start_time_seconds',
    ]) {
      assert.match(text, new RegExp(`^${name} \\d`, 'm'));
    }
  });
});
