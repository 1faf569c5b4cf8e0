import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { openSqliteStore } from '../storage/sqlite/sqlite-store.ts';
import { createProvisioningGate } from './check-provisioning.ts';
import { deactivateProvisioning } from './deactivate-provisioning.ts';
import type { AccountDeps } from './deps.ts';
import { setupProvisioning } from './setup-provisioning.ts';
import type { Store } from './store.ts';

let store: Store;
let clock: FakeClock;
let deps: AccountDeps;

beforeEach(async () => {
  store = await openSqliteStore({ path: ':memory:' });
  clock = new FakeClock('2026-03-01T09:00:00Z');
  let next = 0;
  deps = { store, clock, ids: () => `id-${++next}` };
});
afterEach(async () => {
  await store.close();
});

const accountUrl = 'https://team.example.com';

describe('deactivateProvisioning', () => {
  test('turns provisioning off and records it once', async () => {
    const setup = await setupProvisioning(deps, { accountUrl });
    clock.advance(1000);
    const integration = await deactivateProvisioning(deps);
    assert.equal(integration?.state, 'inactive');
    assert.equal(integration?.updatedAt, '2026-03-01T09:00:01.000Z');
    assert.deepEqual(await store.getIntegration(), integration);
    await deactivateProvisioning(deps);
    const actions = (await store.listActivity({ limit: 10 })).map((entry) => entry.action);
    assert.deepEqual(actions, ['integration.deactivated', 'integration.credentials_generated']);
    const [entry] = await store.listActivity({ limit: 1 });
    assert.deepEqual(entry?.detail, { keyId: setup.integration.keyId });
  });

  test('every request is refused as provisioning_disabled at once, even through a warm gate (P3)', async () => {
    const setup = await setupProvisioning(deps, { accountUrl });
    const gate = createProvisioningGate(deps, 60_000);
    await gate.check(setup.integration.keyId);
    await deactivateProvisioning(deps);
    await assert.rejects(gate.check(setup.integration.keyId), {
      name: 'AccountError',
      code: 'provisioning_disabled',
    });
  });

  test('does nothing when provisioning was never set up', async () => {
    assert.equal(await deactivateProvisioning(deps), undefined);
    assert.equal(await store.getIntegration(), undefined);
    assert.deepEqual(await store.listActivity({ limit: 1 }), []);
  });
});
