/** Part of the Store contract (`contract.ts`). */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { OutboxMessage } from '../account/model.ts';
import { type Store, UniqueViolation } from '../account/store.ts';
import { delay, makeGroup, makeMail, makeMember } from './contract-fixtures.ts';

export function transactionsContract(open: () => Promise<Store>): void {
  describe('transactions', () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    test('commit keeps every write', async () => {
      await store.transaction(async (tx) => {
        await tx.insertMember(makeMember('x'));
        await tx.enqueueMail(makeMail('mail-1'));
      });
      assert.ok(await store.getMember('x'));
      assert.ok(await store.getMail('mail-1'));
    });

    test('a thrown error rolls back every write and is rethrown', async () => {
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.insertMember(makeMember('x'));
          await tx.enqueueMail(makeMail('mail-1'));
          await delay(1);
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.equal(await store.getMember('x'), undefined);
      assert.equal(await store.getMail('mail-1'), undefined);
      assert.equal((await store.listMembers({ startIndex: 1, count: 0 })).total, 0);
    });

    test('a unique violation inside a transaction rolls it back', async () => {
      await store.insertMember(makeMember('x'));
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.insertMember(makeMember('y'));
          await tx.insertMember(makeMember('z', { userName: 'X-USER' }));
        }),
        UniqueViolation,
      );
      assert.equal(await store.getMember('y'), undefined);
    });

    test('work sees its own writes through tx', async () => {
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.insertMember(makeMember('x'));
          assert.ok(await tx.getMember('x'), 'the transaction sees its own write');
          throw new Error('undo');
        }),
        /undo/,
      );
      assert.equal(await store.getMember('x'), undefined);
    });

    test('other callers neither see nor join an open transaction', async () => {
      let opened!: () => void;
      const isOpen = new Promise<void>((resolve) => {
        opened = resolve;
      });
      const transaction = store.transaction(async (tx) => {
        await tx.insertMember(makeMember('x'));
        opened();
        await delay(20);
        throw new Error('undo');
      });
      await isOpen;
      // These calls come from outside the transaction's work.
      const reading = store.getMember('x');
      const writing = store.insertMember(makeMember('outside'));
      await assert.rejects(transaction, /undo/);
      assert.equal(await reading, undefined);
      await writing;
      assert.ok(await store.getMember('outside'), 'the other caller’s write survives the rollback');
    });

    test('concurrent inserts all land and are all counted', async () => {
      // Each insert bumps the same counter rows; taken in varying order they deadlocked
      // on PostgreSQL once updates had moved the rows about, and a create failed.
      const ids = Array.from({ length: 400 }, (_, i) => `c${i}`);
      await Promise.all(
        ids.map((id, i) =>
          store.transaction(async (tx) => {
            await tx.insertMember(makeMember(id, { scimDeleted: i % 3 === 0 }));
            await tx.insertGroup(makeGroup(`g-${id}`, { displayName: `Group ${id}`, managed: i % 2 === 0 }));
            // Hold the counter rows a moment, as a real create does while it writes more.
            await delay(1);
          }),
        ),
      );
      assert.equal((await store.listMembers({ startIndex: 1, count: 0 })).total, 400);
      assert.equal(
        (await store.listMembers({ startIndex: 1, count: 0, excludeScimDeleted: true })).total,
        266,
      );
      assert.equal((await store.listGroups({ startIndex: 1, count: 0 })).total, 400);
      assert.equal((await store.listGroups({ startIndex: 1, count: 0, managedOnly: true })).total, 200);
    });

    test('concurrent read-modify-write transactions lose no update', async () => {
      await store.insertMember(makeMember('x'));
      const bump = () =>
        store.transaction(async (tx) => {
          const member = (await tx.getMember('x'))!;
          await delay(5);
          const next = { ...member, version: member.version + 1 };
          return tx.updateMember(next, member.version);
        });
      const results = await Promise.all([bump(), bump(), bump()]);
      const applied = results.filter(Boolean).length;
      assert.ok(applied >= 1);
      assert.equal((await store.getMember('x'))?.version, 1 + applied);
    });
  });
}

export function claimsContract(open: () => Promise<Store>): void {
  describe('outbox claims', () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    const T0 = '2024-01-01T00:00:00.000Z';
    const T1 = '2024-01-01T00:01:00.000Z';
    const T2 = '2024-01-01T00:02:00.000Z';
    const claim = (claimId: string, until = T1) => ({ claimId, until });
    const sent = (message: OutboxMessage) => ({
      state: 'sent' as const,
      attempts: message.attempts + 1,
      nextAttemptAt: message.nextAttemptAt,
      lastError: null,
      sentAt: T0,
      data: { link: '[removed]' },
    });

    test('claims only queued messages that are due, oldest due first, up to the limit', async () => {
      await store.enqueueMail({ ...makeMail('late'), nextAttemptAt: T2 });
      await store.enqueueMail({ ...makeMail('second'), nextAttemptAt: '2023-12-31T00:00:01.000Z' });
      await store.enqueueMail({ ...makeMail('first'), nextAttemptAt: '2023-12-31T00:00:00.000Z' });
      await store.enqueueMail({ ...makeMail('done'), state: 'sent' });
      await store.enqueueMail({ ...makeMail('third') });
      const firstTwo = await store.claimDueMail(T0, claim('a'), 2);
      assert.deepEqual(
        firstTwo.map((message) => message.id),
        ['first', 'second'],
      );
      assert.deepEqual(firstTwo[0], { ...makeMail('first'), nextAttemptAt: '2023-12-31T00:00:00.000Z' });
      assert.deepEqual(
        (await store.claimDueMail(T0, claim('b'), 10)).map((message) => message.id),
        ['third'],
      );
      assert.deepEqual(await store.claimDueMail(T0, claim('c'), 10), []);
    });

    test('a claim that ran out makes the message due again for another sender', async () => {
      await store.enqueueMail(makeMail('m'));
      assert.equal((await store.claimDueMail(T0, claim('a', T1), 10)).length, 1);
      assert.deepEqual(await store.claimDueMail('2024-01-01T00:00:59.999Z', claim('b', T2), 10), []);
      const again = await store.claimDueMail(T1, claim('b', T2), 10);
      assert.deepEqual(
        again.map((message) => message.id),
        ['m'],
      );
      assert.equal(
        await store.finishMail('m', 'a', sent(again[0]!)),
        false,
        'the first sender lost its claim and may record nothing',
      );
      assert.equal((await store.getMail('m'))?.state, 'queued');
      assert.equal(await store.finishMail('m', 'b', sent(again[0]!)), true);
      const done = (await store.getMail('m'))!;
      assert.equal(done.state, 'sent');
      assert.equal(done.attempts, 1);
      assert.deepEqual(done.data, { link: '[removed]' });
      assert.deepEqual(await store.claimDueMail(T2, claim('c', '2024-01-01T00:03:00.000Z'), 10), []);
    });

    test('finishing releases the claim: a retry later is claimed again', async () => {
      await store.enqueueMail(makeMail('m'));
      const [message] = await store.claimDueMail(T0, claim('a', T2), 10);
      const retry = {
        state: 'queued' as const,
        attempts: 1,
        nextAttemptAt: T1,
        lastError: '421 try later',
        sentAt: null,
        data: message!.data,
      };
      assert.equal(await store.finishMail('m', 'a', retry), true);
      assert.equal(await store.finishMail('m', 'a', retry), false, 'a released claim is gone');
      assert.deepEqual(await store.claimDueMail(T0, claim('b', T2), 10), [], 'not due before T1');
      const [again] = await store.claimDueMail(T1, claim('b', T2), 10);
      assert.equal(again?.lastError, '421 try later');
      assert.equal(again?.attempts, 1);
    });

    test('concurrent claims never hand out one message twice', async () => {
      for (let i = 0; i < 40; i++) await store.enqueueMail(makeMail(`m-${String(i).padStart(2, '0')}`));
      const claims = await Promise.all(
        [1, 2, 3, 4, 5, 6].map((n) => store.claimDueMail(T0, claim(`c${n}`), 8)),
      );
      const ids = claims.flat().map((message) => message.id);
      assert.equal(ids.length, 40);
      assert.equal(new Set(ids).size, 40);
    });
  });
}

export function emailContract(open: () => Promise<Store>): void {
  describe('e-mail change tokens', () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    const token = {
      tokenHash: 'ab'.repeat(32),
      memberId: 'm-1',
      newEmail: 'new@example.com',
      createdAt: '2024-01-01T00:00:00.000Z',
      expiresAt: '2024-01-08T00:00:00.000Z',
      usedAt: null,
    };

    test('round-trip, and use is single: the second use is refused', async () => {
      await store.insertEmailChangeToken(token);
      assert.deepEqual(await store.getEmailChangeToken(token.tokenHash), token);
      assert.equal(await store.getEmailChangeToken('cd'.repeat(32)), undefined);
      assert.equal(await store.useEmailChangeToken(token.tokenHash, '2024-01-02T00:00:00.000Z'), true);
      assert.equal(await store.useEmailChangeToken(token.tokenHash, '2024-01-03T00:00:00.000Z'), false);
      assert.equal((await store.getEmailChangeToken(token.tokenHash))?.usedAt, '2024-01-02T00:00:00.000Z');
      assert.equal(await store.useEmailChangeToken('cd'.repeat(32), '2024-01-02T00:00:00.000Z'), false);
    });

    test('latest token of a member', async () => {
      assert.equal(await store.latestEmailChangeToken('m-1'), undefined);
      await store.insertEmailChangeToken(token);
      const newer = { ...token, tokenHash: 'cd'.repeat(32), createdAt: '2024-01-02T00:00:00.000Z' };
      await store.insertEmailChangeToken(newer);
      await store.insertEmailChangeToken({
        ...token,
        tokenHash: 'ef'.repeat(32),
        memberId: 'm-2',
        createdAt: '2024-01-03T00:00:00.000Z',
      });
      assert.deepEqual(await store.latestEmailChangeToken('m-1'), newer);
    });

    test('a token is written with the transaction that asks for the change, or not at all', async () => {
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.insertEmailChangeToken(token);
          throw new Error('undo');
        }),
        /undo/,
      );
      assert.equal(await store.getEmailChangeToken(token.tokenHash), undefined);
    });
  });
}
