import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CollectedGauge, Counter, Histogram, MetricsRegistry } from './metrics.ts';

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
    assert.match(text, /^latency_seconds_bucket\{le="0\.1",op="a"\} 1$/m);
    assert.match(text, /^latency_seconds_bucket\{le="1",op="a"\} 2$/m);
    assert.match(text, /^latency_seconds_bucket\{le="\+Inf",op="a"\} 3$/m);
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
      new CollectedGauge('depth', 'Depth.', () => [{ labels: { state: 'queued' }, value: collected }], {
        labelNames: ['state'],
      }),
    );
    assert.match(await registry.render(), /^depth\{state="queued"\} 10$/m);
    depth = 4;
    assert.match(await registry.render(), /^depth\{state="queued"\} 40$/m);
  });

  test('a metric name is registered once; process metrics are there', async () => {
    const registry = new MetricsRegistry();
    registry.registerProcessMetrics();
    assert.throws(
      () => registry.register(new Counter('process_cpu_seconds_total', 'again')),
      /registered twice/,
    );
    const text = await registry.render();
    for (const name of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'process_start_time_seconds',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_seconds',
    ]) {
      assert.match(text, new RegExp(`^${name} \\d`, 'm'));
    }
  });

  test('a counter kept elsewhere is rendered as a counter with its current value', async () => {
    const registry = new MetricsRegistry();
    let runs = 2;
    registry.register(
      new CollectedGauge('runs_total', 'Runs.', () => [{ value: runs }], { type: 'counter' }),
    );
    assert.match(await registry.render(), /^# TYPE runs_total counter\nruns_total 2$/m);
    runs = 5;
    assert.match(await registry.render(), /^runs_total 5$/m);
  });

  test('two services in one process keep their own registries and process metrics', async () => {
    const account = new MetricsRegistry();
    const bridge = new MetricsRegistry();
    account.registerProcessMetrics();
    bridge.registerProcessMetrics();
    account.register(new Counter('only_account_total', 'Account only.')).inc();
    assert.match(await account.render(), /^only_account_total 1$/m);
    assert.doesNotMatch(await bridge.render(), /only_account_total/);
    assert.match(await bridge.render(), /^process_resident_memory_bytes \d/m);
  });
});
