import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { errorCode, type Fixture, openFixture } from '../../test/support/account-fixture.ts';
import { checkProvisioning, createProvisioningGate, integrationChanged } from './check-provisioning.ts';
import type { Integration } from './model.ts';

let f: Fixture;
beforeEach(async () => {
  f = await openFixture();
});
afterEach(() => f.close());

const integration: Integration = {
  id: 'int-1',
  state: 'active',
  keyId: 'key-1',
  signingPublicKey: 'sig',
  provisioningPublicKey: 'prov',
  createdAt: '2025-03-01T09:00:00.000Z',
  updatedAt: '2025-03-01T09:00:00.000Z',
};

describe('checkProvisioning (P2, P3)', () => {
  const cases: Array<{ name: string; stored: Integration | undefined; keyId: string; code: string | null }> =
    [
      { name: 'never set up', stored: undefined, keyId: 'key-1', code: 'provisioning_disabled' },
      {
        name: 'deactivated',
        stored: { ...integration, state: 'inactive' },
        keyId: 'key-1',
        code: 'provisioning_disabled',
      },
      {
        name: 'regenerated since',
        stored: { ...integration, keyId: 'key-2' },
        keyId: 'key-1',
        code: 'credentials_revoked',
      },
      { name: 'current credentials', stored: integration, keyId: 'key-1', code: null },
    ];
  for (const { name, stored, keyId, code } of cases) {
    test(`${name}: ${code ?? 'allowed'}`, async () => {
      if (stored !== undefined) await f.deps.store.saveIntegration(stored);
      if (code === null) await checkProvisioning(f.deps, keyId);
      else assert.equal(await errorCode(() => checkProvisioning(f.deps, keyId)), code);
      const gate = createProvisioningGate(f.deps);
      if (code === null) await gate.check(keyId);
      else assert.equal(await errorCode(() => gate.check(keyId)), code);
    });
  }

  test('the disabled message says how to turn provisioning on', async () => {
    await assert.rejects(checkProvisioning(f.deps, 'key-1'), {
      message:
        /turn it on in the console, page Provisioning \(\/provisioning on the account server\), or with `scimbridge provisioning setup`/,
    });
  });
});

describe('the cached gate', () => {
  test('serves from memory within its lifetime and reads again after it', async () => {
    await f.deps.store.saveIntegration(integration);
    const gate = createProvisioningGate(f.deps, 1000);
    await gate.check('key-1');
    // Another process regenerates the credentials behind this one's back.
    await f.deps.store.saveIntegration({ ...integration, keyId: 'key-2' });
    f.advance(999);
    await gate.check('key-1');
    f.advance(1);
    assert.equal(await errorCode(() => gate.check('key-1')), 'credentials_revoked');
    await gate.check('key-2');
  });

  test('a local change takes effect at once through integrationChanged', async () => {
    await f.deps.store.saveIntegration(integration);
    const gate = createProvisioningGate(f.deps, 60_000);
    await gate.check('key-1');
    await f.deps.store.saveIntegration({ ...integration, state: 'inactive' });
    integrationChanged(f.deps.store);
    assert.equal(await errorCode(() => gate.check('key-1')), 'provisioning_disabled');
  });

  test('"turned off" is cached too, and turning on is seen after forget', async () => {
    const gate = createProvisioningGate(f.deps, 60_000);
    assert.equal(await errorCode(() => gate.check('key-1')), 'provisioning_disabled');
    await f.deps.store.saveIntegration(integration);
    assert.equal(await errorCode(() => gate.check('key-1')), 'provisioning_disabled');
    gate.forget();
    await gate.check('key-1');
  });

  test('concurrent checks after expiry share one read of the store', async () => {
    await f.deps.store.saveIntegration(integration);
    let reads = 0;
    const store = f.deps.store;
    const counting = Object.create(store) as typeof store;
    counting.getIntegration = () => {
      reads++;
      return store.getIntegration();
    };
    const gate = createProvisioningGate({ ...f.deps, store: counting }, 1000);
    await Promise.all([gate.check('key-1'), gate.check('key-1'), gate.check('key-1')]);
    assert.equal(reads, 1);
  });
});
