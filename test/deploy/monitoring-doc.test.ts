/**
 * docs/deployment/monitoring.md names metrics in its table and alert rules; each must be one
 * the servers really export, read from a running system's /metrics (bridge and account).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createMonitoringToken } from '../../src/account/monitoring-tokens.ts';
import { randomIds, systemClock } from '../../src/clock.ts';
import { startTestSystem, type TestSystem } from '../support/system.ts';

let sys: TestSystem;
before(async () => {
  sys = await startTestSystem({ env: { SCIMBRIDGE_MONITOR: 'true' } });
});
after(() => sys?.close());

test('every metric the monitoring page names is in the real /metrics output', async () => {
  const page = await readFile(
    path.join(import.meta.dirname, '..', '..', 'docs', 'deployment', 'monitoring.md'),
    'utf8',
  );
  const named = new Set(page.match(/\bscimbridge_[a-z_]+[a-z]\b/g));
  const { token } = await createMonitoringToken(
    { store: sys.store, clock: systemClock, ids: randomIds },
    'doc check',
  );
  sys.secrets.add(token);
  const exported = new Set<string>();
  for (const url of [`${sys.system.bridgeAddress}/metrics`, `${sys.system.accountAddress}/metrics`]) {
    const answer = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(answer.status, 200, url);
    for (const match of (await answer.text()).matchAll(/^# TYPE (\S+) /gm)) exported.add(match[1]!);
  }
  assert.ok(named.size >= 12, `the page names ${named.size} metrics`);
  const histogramParts = (name: string) => name.replace(/_(bucket|sum|count)$/, '');
  assert.deepEqual(
    [...named].filter((name) => !exported.has(name) && !exported.has(histogramParts(name))),
    [],
    'metrics the page names that no server exports',
  );
});
