import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { ConfigError, loadConfig } from '../config.ts';
import { MetricsRegistry } from '../metrics.ts';
import { IdpActivity, outcomeOf } from './idp-activity.ts';
import { parseIdpCycles } from './idp-cycles.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

test('outcomes: answered below 400, a wrong token, other 4xx, and the bridge failing', () => {
  assert.deepEqual([200, 201, 204, 304, 401, 403, 404, 409, 429, 500, 503].map(outcomeOf), [
    'answered',
    'answered',
    'answered',
    'answered',
    'unauthorized',
    'client_error',
    'client_error',
    'client_error',
    'client_error',
    'server_error',
    'server_error',
  ]);
});

test('the last day counts requests by outcome, and an hour older than a day drops out', () => {
  const clock = new FakeClock('2026-12-01T10:30:00Z');
  const activity = new IdpActivity(clock, new MetricsRegistry());
  for (let i = 0; i < 5; i++) activity.record('okta', 200);
  activity.record('okta', 401);
  clock.advance(12 * HOUR);
  activity.record('okta', 404);
  activity.record('okta', 500);
  assert.deepEqual(activity.summary('okta')?.lastDay, {
    answered: 5,
    unauthorized: 1,
    client_error: 1,
    server_error: 1,
  });
  // 10:30 + 24 h: the 10:00 hour is a day old now.
  clock.advance(12 * HOUR);
  assert.deepEqual(activity.summary('okta')?.lastDay, {
    answered: 0,
    unauthorized: 0,
    client_error: 1,
    server_error: 1,
  });
  // A slot reused a day later starts from zero, not from the old counts.
  activity.record('okta', 200);
  assert.equal(activity.summary('okta')?.lastDay.answered, 1);
  clock.advance(30 * HOUR);
  assert.deepEqual(activity.summary('okta')?.lastDay, {
    answered: 0,
    unauthorized: 0,
    client_error: 0,
    server_error: 0,
  });
  assert.equal(activity.summary('entra'), undefined, 'an IdP that never called has no summary');
});

test('a busy IdP keeps 24 buckets, not its requests: memory does not grow with traffic', () => {
  const clock = new FakeClock();
  const activity = new IdpActivity(clock, new MetricsRegistry());
  for (let i = 0; i < 50_000; i++) {
    activity.record('entra', i % 10 === 0 ? 404 : 200);
    clock.advance(3_000);
  }
  // 50,000 requests 3 s apart span ~41.7 h; the last 24 hours hold 24 * 1200 of them, give or take the current hour.
  const day = activity.summary('entra')!.lastDay;
  const total = day.answered + day.client_error;
  assert.ok(total > 23 * 1200 && total <= 24 * 1200, String(total));
  const internal = (activity as unknown as { byIdp: Map<string, { counts: number[][] }> }).byIdp;
  assert.equal(internal.get('entra')?.counts.length, 24);
});

test('silence: Entra is flagged after its 40-minute cycle; an IdP that pushes on change never is', () => {
  const clock = new FakeClock();
  const activity = new IdpActivity(clock, new MetricsRegistry());
  activity.record('entra', 200);
  activity.record('okta', 200);
  clock.advance(40 * MINUTE);
  assert.equal(activity.summary('entra')?.overdue, false, 'exactly one cycle is not late');
  clock.advance(MINUTE + 1);
  assert.deepEqual(
    { ...activity.summary('entra'), lastDay: undefined },
    { lastDay: undefined, cycleMinutes: 40, silentMinutes: 41, overdue: true },
  );
  clock.advance(30 * 24 * HOUR);
  assert.equal(activity.summary('okta')?.overdue, false);
  activity.record('entra', 200);
  assert.equal(activity.summary('entra')?.overdue, false, 'a new request ends the silence');
});

test('cycles are settable per IdP, and /metrics labels requests, last request and silence by IdP', async () => {
  const clock = new FakeClock('2026-12-01T00:00:00Z');
  const registry = new MetricsRegistry();
  const activity = new IdpActivity(clock, registry, { okta: 60, entra: 0 });
  activity.record('okta', 200);
  activity.record('okta', 401);
  activity.record('entra', 204);
  activity.record('jumpcloud', 201);
  clock.advance(61 * MINUTE);
  const text = await registry.render();
  assert.match(text, /^scimbridge_idp_requests_total\{idp="okta",outcome="answered"\} 1$/m);
  assert.match(text, /^scimbridge_idp_requests_total\{idp="okta",outcome="unauthorized"\} 1$/m);
  assert.match(text, /^scimbridge_idp_requests_total\{idp="jumpcloud",outcome="answered"\} 1$/m);
  assert.match(text, /^scimbridge_idp_last_request_timestamp_seconds\{idp="okta"\} 1796083200$/m);
  assert.match(text, /^scimbridge_idp_silent\{idp="okta"\} 1$/m);
  assert.match(text, /^scimbridge_idp_silent\{idp="entra"\} 0$/m);
});

test('SCIMBRIDGE_IDP_CYCLES: idp=minutes pairs; a bad one is refused naming it', () => {
  assert.deepEqual(parseIdpCycles('entra=60, okta=1440,rippling=0'), { entra: 60, okta: 1440, rippling: 0 });
  assert.deepEqual(loadConfig({}).idpCycles, {});
  assert.deepEqual(loadConfig({ SCIMBRIDGE_IDP_CYCLES: 'jumpcloud=30' }).idpCycles, { jumpcloud: 30 });
  assert.deepEqual(loadConfig({}, { idpCycles: 'onelogin=15' }).idpCycles, { onelogin: 15 });
  for (const bad of ['entra', 'azure=40', 'entra=-1', 'entra=1.5', 'okta=20000']) {
    assert.throws(
      () => loadConfig({ SCIMBRIDGE_IDP_CYCLES: bad }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.message.startsWith('SCIMBRIDGE_IDP_CYCLES') &&
        error.message.includes(bad),
      bad,
    );
  }
});
