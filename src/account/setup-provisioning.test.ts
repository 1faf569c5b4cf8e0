import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { fixedSessionFileProvider } from '../bridge/credentials/session-provider.ts';
import { TokenVerifier } from '../bridge/credentials/token-verifier.ts';
import { openSqliteStore } from '../storage/sqlite/sqlite-store.ts';
import { checkProvisioning, createProvisioningGate } from './check-provisioning.ts';
import { deactivateProvisioning } from './deactivate-provisioning.ts';
import type { AccountDeps } from './deps.ts';
import { AccountError } from './errors.ts';
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

describe('setupProvisioning', () => {
  test('turns provisioning on with the public halves of a working credential pair', async () => {
    const result = await setupProvisioning(deps, { accountUrl });
    const integration = await store.getIntegration();
    assert.ok(integration);
    assert.equal(integration.state, 'active');
    assert.equal(integration.keyId, result.sessionFile.keyId);
    assert.equal(integration.id, result.sessionFile.integrationId);
    assert.equal(integration.createdAt, '2026-03-01T09:00:00.000Z');
    assert.deepEqual(integration, result.integration);
    assert.equal(result.sessionFile.accountUrl, accountUrl);

    const verified = await new TokenVerifier(fixedSessionFileProvider(result.sessionFile)).verify(
      `Bearer ${result.token}`,
    );
    assert.ok(verified.ok);
    assert.equal(verified.keyId, integration.keyId);
  });

  test('records the activity without any secret in it', async () => {
    const result = await setupProvisioning(deps, { accountUrl });
    const [entry] = await store.listActivity({ limit: 10 });
    assert.ok(entry);
    assert.equal(entry.action, 'integration.credentials_generated');
    assert.equal(entry.actor, 'admin');
    assert.equal(entry.targetType, 'integration');
    assert.equal(entry.targetId, result.integration.id);
    assert.deepEqual(entry.detail, { keyId: result.integration.keyId, replacedKeyId: null });
    const stored =
      JSON.stringify(await store.listActivity({ limit: 10 })) + JSON.stringify(await store.getIntegration());
    assert.ok(!stored.includes(result.token.slice(4)));
    assert.ok(!stored.includes(result.sessionFile.blob));
  });

  test('regenerating keeps the integration id, replaces the key id and keys, and the old token stops working', async () => {
    const first = await setupProvisioning(deps, { accountUrl });
    clock.advance(60_000);
    const second = await setupProvisioning(deps, { accountUrl });
    const integration = await store.getIntegration();
    assert.ok(integration);
    assert.equal(integration.id, first.integration.id);
    assert.equal(integration.createdAt, first.integration.createdAt);
    assert.equal(integration.updatedAt, '2026-03-01T09:01:00.000Z');
    assert.notEqual(integration.keyId, first.integration.keyId);
    assert.equal(integration.keyId, second.sessionFile.keyId);
    assert.notEqual(integration.signingPublicKey, first.integration.signingPublicKey);
    assert.notEqual(integration.provisioningPublicKey, first.integration.provisioningPublicKey);
    assert.notEqual(second.token, first.token);

    // The old pair is still a valid pair, but its key id is no longer the account's:
    // checkProvisioning refuses it (P2). The old token does not open the new file either.
    assert.notEqual(first.sessionFile.keyId, integration.keyId);
    const bridge = new TokenVerifier(fixedSessionFileProvider(second.sessionFile));
    assert.deepEqual(await bridge.verify(`Bearer ${first.token}`), { ok: false, reason: 'wrong_token' });
    assert.ok((await bridge.verify(`Bearer ${second.token}`)).ok);

    const [latest] = await store.listActivity({ limit: 1 });
    assert.deepEqual(latest?.detail, {
      keyId: second.integration.keyId,
      replacedKeyId: first.integration.keyId,
    });
  });

  test('the account refuses the old key id at once, even through a warm provisioning gate (P2)', async () => {
    const first = await setupProvisioning(deps, { accountUrl });
    const gate = createProvisioningGate(deps, 60_000);
    await gate.check(first.integration.keyId);
    const second = await setupProvisioning(deps, { accountUrl });
    await assert.rejects(gate.check(first.integration.keyId), {
      name: 'AccountError',
      code: 'credentials_revoked',
    });
    await assert.rejects(checkProvisioning(deps, first.integration.keyId), { code: 'credentials_revoked' });
    await gate.check(second.integration.keyId);
  });

  test('setting up again after deactivation turns provisioning back on with new credentials', async () => {
    const first = await setupProvisioning(deps, { accountUrl });
    await deactivateProvisioning(deps);
    const second = await setupProvisioning(deps, { accountUrl });
    const integration = await store.getIntegration();
    assert.equal(integration?.state, 'active');
    assert.notEqual(integration?.keyId, first.integration.keyId);
    assert.equal(integration?.keyId, second.integration.keyId);
  });

  test('the account URL is normalised without a trailing slash', async () => {
    const result = await setupProvisioning(deps, { accountUrl: ' https://team.example.com/ ' });
    assert.equal(result.sessionFile.accountUrl, 'https://team.example.com');
  });

  const badUrls: Array<[string, string]> = [
    ['team.example.com', 'the account URL "team.example.com" is not a URL'],
    ['ftp://team.example.com', 'the account URL must start with https:// or http://'],
    ['https://user:pw@team.example.com', 'the account URL must not carry credentials, a query or a fragment'],
  ];
  for (const [input, message] of badUrls) {
    test(`refuses the account URL ${input} and writes nothing`, async () => {
      await assert.rejects(setupProvisioning(deps, { accountUrl: input }), (error: unknown) => {
        assert.ok(error instanceof AccountError);
        assert.equal(error.code, 'invalid_input');
        assert.equal(error.message, message);
        return true;
      });
      assert.equal(await store.getIntegration(), undefined);
      assert.deepEqual(await store.listActivity({ limit: 1 }), []);
    });
  }
});
