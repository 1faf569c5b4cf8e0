/**
 * Contract of the account API's access tables (challenges, API sessions, firewall rules);
 * every Store implementation runs it beside `describeStoreContract`.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { ApiChallenge, ApiSession, FirewallRule } from '../account/model.ts';
import { type Store, UniqueViolation } from '../account/store.ts';

const challenge = (id: string, expiresAt = '2030-01-01T00:01:00.000Z'): ApiChallenge => ({
  id,
  keyId: 'key-1',
  nonce: `nonce-${id}`,
  createdAt: '2030-01-01T00:00:00.000Z',
  expiresAt,
});

const session = (tokenHash: string, expiresAt = '2030-01-01T00:15:00.000Z'): ApiSession => ({
  tokenHash,
  integrationId: 'integration-1',
  keyId: 'key-1',
  address: '198.51.100.7',
  createdAt: '2030-01-01T00:00:00.000Z',
  expiresAt,
});

const rule = (id: string, overrides: Partial<FirewallRule> = {}): FirewallRule => ({
  id,
  action: 'deny',
  kind: 'range',
  cidr: '203.0.113.0/24',
  note: null,
  createdAt: '2030-01-01T00:00:00.000Z',
  ...overrides,
});

export function describeAccessContract(name: string, open: () => Promise<Store>): void {
  describe(`Store access contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    test('a challenge can be taken once', async () => {
      await store.insertApiChallenge(challenge('c1'));
      assert.deepEqual(await store.takeApiChallenge('c1'), challenge('c1'));
      assert.equal(await store.takeApiChallenge('c1'), undefined);
      assert.equal(await store.takeApiChallenge('never'), undefined);
    });

    test('sessions are found by token hash and all end together', async () => {
      await store.insertApiSession(session('h1'));
      await store.insertApiSession(session('h2'));
      assert.deepEqual(await store.getApiSession('h1'), session('h1'));
      assert.equal(await store.getApiSession('nope'), undefined);
      assert.equal(await store.deleteApiSessions(), 2);
      assert.equal(await store.getApiSession('h2'), undefined);
    });

    test('purging drops only what expired', async () => {
      await store.insertApiChallenge(challenge('old', '2030-01-01T00:00:30.000Z'));
      await store.insertApiChallenge(challenge('new', '2030-01-01T00:05:00.000Z'));
      await store.insertApiSession(session('old', '2030-01-01T00:00:30.000Z'));
      await store.insertApiSession(session('new', '2030-01-01T00:05:00.000Z'));
      await store.purgeExpiredApiAuth('2030-01-01T00:01:00.000Z');
      assert.equal(await store.takeApiChallenge('old'), undefined);
      assert.ok(await store.takeApiChallenge('new'));
      assert.equal(await store.getApiSession('old'), undefined);
      assert.ok(await store.getApiSession('new'));
    });

    test('firewall rules keep their order, refuse a second rule for one range, and can be removed', async () => {
      await store.insertFirewallRule(rule('r1'));
      await store.insertFirewallRule(rule('r2', { action: 'allow', cidr: '2001:db8::/32', note: 'office' }));
      await store.insertFirewallRule(rule('r3', { kind: 'listed_networks', cidr: null }));
      await assert.rejects(store.insertFirewallRule(rule('r4', { action: 'allow' })), UniqueViolation);
      await assert.rejects(
        store.insertFirewallRule(rule('r5', { kind: 'listed_networks', cidr: null })),
        UniqueViolation,
      );
      assert.deepEqual(
        (await store.listFirewallRules()).map((r) => [r.id, r.action, r.kind, r.cidr, r.note]),
        [
          ['r1', 'deny', 'range', '203.0.113.0/24', null],
          ['r2', 'allow', 'range', '2001:db8::/32', 'office'],
          ['r3', 'deny', 'listed_networks', null, null],
        ],
      );
      assert.equal(await store.deleteFirewallRule('r1'), true);
      assert.equal(await store.deleteFirewallRule('r1'), false);
      assert.deepEqual(
        (await store.listFirewallRules()).map((r) => r.id),
        ['r2', 'r3'],
      );
    });

    test('a session written in a rolled-back transaction is not there', async () => {
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.insertApiSession(session('tx'));
          throw new Error('abort');
        }),
      );
      assert.equal(await store.getApiSession('tx'), undefined);
    });
  });
}
