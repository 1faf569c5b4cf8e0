/**
 * Contract of the monitoring tables (migration 7) and the outbox count; every Store
 * implementation runs it beside `describeStoreContract`.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { BridgeHealthRecord, MonitoringToken, OutboxMessage } from '../account/model.ts';
import { type Store, UniqueViolation } from '../account/store.ts';

const token = (id: string, tokenHash: string, createdAt = '2030-01-01T00:00:00.000Z'): MonitoringToken => ({
  id,
  label: `label ${id}`,
  tokenHash,
  createdAt,
});

const health = (bridgeUrl: string, overrides: Partial<BridgeHealthRecord> = {}): BridgeHealthRecord => ({
  bridgeUrl,
  state: 'unknown',
  consecutiveFailures: 0,
  consecutiveSuccesses: 0,
  lastCheckAt: null,
  lastOkAt: null,
  lastError: null,
  reportedStatus: null,
  changedAt: null,
  lastNoticeAt: null,
  lastNotice: null,
  ...overrides,
});

const mail = (id: string, state: OutboxMessage['state']): OutboxMessage => ({
  id,
  to: 'someone@example.com',
  template: 'bridge_offline',
  data: {},
  state,
  attempts: 0,
  nextAttemptAt: '2030-01-01T00:00:00.000Z',
  lastError: null,
  createdAt: '2030-01-01T00:00:00.000Z',
  sentAt: null,
});

export function describeMonitoringContract(name: string, open: () => Promise<Store>): void {
  describe(`Store monitoring contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    test('monitoring tokens are found by hash only, listed oldest first, and deleted by id', async () => {
      await store.insertMonitoringToken(token('t2', 'hash-2', '2030-01-02T00:00:00.000Z'));
      await store.insertMonitoringToken(token('t1', 'hash-1', '2030-01-01T00:00:00.000Z'));
      assert.deepEqual(
        await store.findMonitoringToken('hash-1'),
        token('t1', 'hash-1', '2030-01-01T00:00:00.000Z'),
      );
      assert.equal(await store.findMonitoringToken('t1'), undefined, 'the id is not a credential');
      assert.deepEqual(
        (await store.listMonitoringTokens()).map((entry) => entry.id),
        ['t1', 't2'],
      );
      await assert.rejects(store.insertMonitoringToken(token('t3', 'hash-1')), UniqueViolation);
      assert.equal(await store.deleteMonitoringToken('t1'), true);
      assert.equal(await store.deleteMonitoringToken('t1'), false);
      assert.equal(await store.findMonitoringToken('hash-1'), undefined);
    });

    test('the monitoring switch reads on until set, then keeps the last setting and when it changed', async () => {
      assert.deepEqual(await store.getMonitoringSwitch(), { enabled: true, changedAt: null });
      await store.setMonitoringSwitch(false, '2030-01-01T00:00:00.000Z');
      assert.deepEqual(await store.getMonitoringSwitch(), {
        enabled: false,
        changedAt: '2030-01-01T00:00:00.000Z',
      });
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.setMonitoringSwitch(true, '2030-01-02T00:00:00.000Z');
          throw new Error('abort');
        }),
      );
      assert.equal(
        (await store.getMonitoringSwitch()).enabled,
        false,
        'a rolled-back switch changes nothing',
      );
      await store.setMonitoringSwitch(true, '2030-01-03T00:00:00.000Z');
      assert.deepEqual(await store.getMonitoringSwitch(), {
        enabled: true,
        changedAt: '2030-01-03T00:00:00.000Z',
      });
    });

    test('notification recipients are replaced as a whole, in order, and the swap is atomic in a transaction', async () => {
      assert.deepEqual(await store.listNotificationRecipients(), []);
      await store.setNotificationRecipients(['b@example.com', 'a@example.com']);
      assert.deepEqual(await store.listNotificationRecipients(), ['b@example.com', 'a@example.com']);
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.setNotificationRecipients(['c@example.com']);
          throw new Error('abort');
        }),
        /abort/,
      );
      assert.deepEqual(await store.listNotificationRecipients(), ['b@example.com', 'a@example.com']);
      await store.setNotificationRecipients([]);
      assert.deepEqual(await store.listNotificationRecipients(), []);
    });

    test('bridge health is kept per address and saved whole', async () => {
      assert.equal(await store.getBridgeHealth('https://a.example'), undefined);
      const offline = health('https://a.example', {
        state: 'offline',
        consecutiveFailures: 3,
        lastCheckAt: '2030-01-01T00:03:00.000Z',
        lastOkAt: '2030-01-01T00:00:00.000Z',
        lastError: 'cannot connect: ECONNREFUSED',
        reportedStatus: 'ok',
        changedAt: '2030-01-01T00:03:00.000Z',
        lastNoticeAt: '2030-01-01T00:03:00.000Z',
        lastNotice: 'offline',
      });
      await store.saveBridgeHealth(offline);
      await store.saveBridgeHealth(health('https://b.example', { state: 'online', consecutiveSuccesses: 7 }));
      assert.deepEqual(await store.getBridgeHealth('https://a.example'), offline);
      const back = {
        ...offline,
        state: 'online' as const,
        consecutiveFailures: 0,
        consecutiveSuccesses: 2,
        lastError: null,
      };
      await store.saveBridgeHealth(back);
      assert.deepEqual(await store.getBridgeHealth('https://a.example'), back);
      assert.equal((await store.getBridgeHealth('https://b.example'))?.consecutiveSuccesses, 7);
    });

    test('read-modify-write of a bridge row in concurrent transactions loses no update', async () => {
      await store.saveBridgeHealth(health('https://c.example'));
      const bump = () =>
        store.transaction(async (tx) => {
          const current = (await tx.getBridgeHealth('https://c.example'))!;
          await new Promise((resolve) => setTimeout(resolve, 30));
          await tx.saveBridgeHealth({ ...current, consecutiveFailures: current.consecutiveFailures + 1 });
        });
      await Promise.all([bump(), bump(), bump()]);
      assert.equal((await store.getBridgeHealth('https://c.example'))?.consecutiveFailures, 3);
    });

    test('the outbox is counted by state, with 0 for empty states', async () => {
      assert.deepEqual(await store.countMailByState(), { queued: 0, sent: 0, failed: 0 });
      await store.enqueueMail(mail('m1', 'queued'));
      await store.enqueueMail(mail('m2', 'queued'));
      await store.enqueueMail(mail('m3', 'failed'));
      assert.deepEqual(await store.countMailByState(), { queued: 2, sent: 0, failed: 1 });
    });
  });
}
