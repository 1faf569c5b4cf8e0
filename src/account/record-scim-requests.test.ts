import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { openBareDeps } from '../../test/support/account-fixture.ts';
import { makeScimRequest } from '../storage/request-log-contract.ts';
import { REQUEST_LOG_BODY_CHARS } from './client.ts';
import type { AccountDeps } from './deps.ts';
import { AccountError } from './errors.ts';
import { REQUEST_LOG_MAX_AGE_DAYS, recordScimRequests } from './record-scim-requests.ts';

let deps: AccountDeps;
beforeEach(async () => {
  deps = await openBareDeps();
});
afterEach(() => deps.store.close());

const invalid = (error: unknown) => error instanceof AccountError && error.code === 'invalid_input';

test('one malformed or hostile record refuses the whole batch and stores nothing', async () => {
  const good = makeScimRequest('ok');
  const bad: unknown[] = [
    'text',
    null,
    [],
    { ...good, at: 'yesterday' },
    { ...good, status: 42 },
    { ...good, status: '200' },
    { ...good, ms: -1 },
    { ...good, ms: Number.NaN },
    { ...good, idp: '' },
    { ...good, path: 7 },
    { ...good, body: { not: 'text' } },
  ];
  for (const record of bad) {
    await assert.rejects(recordScimRequests(deps, [good, record]), invalid, JSON.stringify(record));
  }
  await assert.rejects(
    recordScimRequests(
      deps,
      Array.from({ length: 101 }, () => good),
    ),
    invalid,
  );
  assert.deepEqual(await deps.store.listScimRequests({ limit: 10 }), []);
});

test('oversized fields are cut to their bounds, and a cut body says so', async () => {
  const now = deps.clock.now().toISOString();
  await recordScimRequests(deps, [
    makeScimRequest('long', {
      at: now,
      idp: 'x'.repeat(500),
      path: `/scim/v2/Users?filter=${'y'.repeat(5000)}`,
      detail: 'z'.repeat(5000),
      body: `"${'b'.repeat(REQUEST_LOG_BODY_CHARS * 3)}"`,
      bodyTruncated: false,
    }),
  ]);
  const [entry] = await deps.store.listScimRequests({ limit: 1 });
  assert.equal(entry?.idp.length, 40);
  assert.equal(entry?.path.length, 1000);
  assert.equal(entry?.detail?.length, 1000);
  assert.equal(entry?.body?.length, REQUEST_LOG_BODY_CHARS);
  assert.equal(entry?.bodyTruncated, true);
});

test('each batch prunes what is older than the age bound', async () => {
  const now = deps.clock.now().getTime();
  const old = new Date(now - (REQUEST_LOG_MAX_AGE_DAYS + 1) * 86_400_000).toISOString();
  assert.equal(await recordScimRequests(deps, [makeScimRequest('old', { at: old })]), 1);
  assert.equal(
    await recordScimRequests(deps, [makeScimRequest('new', { at: new Date(now).toISOString() })]),
    1,
  );
  assert.deepEqual(
    (await deps.store.listScimRequests({ limit: 10 })).map((entry) => entry.resourceId),
    ['new'],
  );
});
