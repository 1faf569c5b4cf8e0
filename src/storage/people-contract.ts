/**
 * The Store contract for the administrators' use cases (issue 11): the people list, counts by
 * state, deleting a member for good, ending a member's sessions, a target's activity. Run by
 * each implementation's test file, like the main contract.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { NewActivityEntry } from '../account/model.ts';
import type { Store } from '../account/store.ts';
import { makeGroup, makeMail, makeMember } from './contract.ts';

const AT = '2025-01-01T00:00:00.000Z';
const LATER = '2025-02-01T00:00:00.000Z';

export function describePeopleContract(name: string, open: () => Promise<Store>): void {
  describe(`Store people contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
      const people = [
        makeMember('m-1', { email: 'Zoe@x.io', displayName: 'Zoe Zed', givenName: 'Zoe', familyName: 'Zed' }),
        makeMember('m-2', {
          email: 'amy@x.io',
          displayName: 'Amy Ash',
          givenName: 'Amy',
          familyName: 'Ash',
          state: 'pending',
        }),
        makeMember('m-3', { email: 'bob@x.io', displayName: 'Bob Birch', managed: false, state: 'invited' }),
        makeMember('m-4', { email: 'cy@x.io', familyName: 'Amsel', state: 'suspended', scimDeleted: true }),
        makeMember('m-5', { email: 'éva@x.io', displayName: 'Éva', state: 'invited' }),
      ];
      for (const member of people) await store.insertMember(member);
    });
    afterEach(() => store.close());

    const ids = (page: { members: Array<{ id: string }> }) => page.members.map((m) => m.id);

    test('listPeople: lower-cased e-mail order in byte order, keyset pages, every member', async () => {
      const first = await store.listPeople({ limit: 2 });
      assert.deepEqual(ids(first), ['m-2', 'm-3']);
      assert.equal(first.nextAfter, 'bob@x.io');
      const second = await store.listPeople({ limit: 2, after: first.nextAfter! });
      assert.deepEqual(ids(second), ['m-4', 'm-1']);
      const last = await store.listPeople({ limit: 2, after: second.nextAfter! });
      assert.deepEqual(ids(last), ['m-5']);
      assert.equal(last.nextAfter, null);
      assert.deepEqual(
        await store.listPeople({ limit: 3 }).then((p) => p.members[0]),
        await store.getMember('m-2'),
      );
    });

    test('listPeople: filters and a case-insensitive prefix search over four columns', async () => {
      assert.deepEqual(ids(await store.listPeople({ limit: 10, state: 'invited' })), ['m-3', 'm-5']);
      assert.deepEqual(ids(await store.listPeople({ limit: 10, managed: false })), ['m-3']);
      assert.deepEqual(ids(await store.listPeople({ limit: 10, managed: true, state: 'invited' })), ['m-5']);
      assert.deepEqual(ids(await store.listPeople({ limit: 10, search: 'A' })), ['m-2', 'm-4']);
      assert.deepEqual(ids(await store.listPeople({ limit: 1, search: 'a', after: 'amy@x.io' })), ['m-4']);
      assert.deepEqual(ids(await store.listPeople({ limit: 10, search: 'zed' })), ['m-1']);
      assert.deepEqual(ids(await store.listPeople({ limit: 10, search: 'bob b' })), ['m-3']);
      assert.deepEqual(ids(await store.listPeople({ limit: 10, search: 'a', state: 'pending' })), ['m-2']);
      assert.deepEqual(ids(await store.listPeople({ limit: 10, search: 'a', managed: false })), []);
      assert.deepEqual(ids(await store.listPeople({ limit: 10, search: '_' })), []);
      assert.deepEqual(ids(await store.listPeople({ limit: 10, search: "'" })), []);
    });

    test('countMembersByState counts every state, 0 where none', async () => {
      assert.deepEqual(await store.countMembersByState(), {
        invited: 2,
        pending: 1,
        active: 1,
        suspended: 1,
      });
      await store.close();
      store = await open();
      assert.deepEqual(await store.countMembersByState(), {
        invited: 0,
        pending: 0,
        active: 0,
        suspended: 0,
      });
    });

    test('deleteMember removes the row and what hangs off it; sent mail and others stay', async () => {
      await store.insertGroup(makeGroup('g-1'));
      await store.addGroupMembers('g-1', ['m-1', 'm-2']);
      await store.insertGroupKey({
        groupId: 'g-1',
        publicKey: 'pk',
        sealedForProvisioning: null,
        createdAt: AT,
      });
      await store.addGroupKeyShares([
        { groupId: 'g-1', memberId: 'm-1', sealedPrivateKey: 's1', createdAt: AT },
        { groupId: 'g-1', memberId: 'm-2', sealedPrivateKey: 's2', createdAt: AT },
      ]);
      await store.saveMemberKeys({
        memberId: 'm-1',
        publicKey: 'p',
        encryptedPrivateKey: 'e',
        createdAt: AT,
      });
      await store.insertMemberSession({ tokenHash: 't-1', memberId: 'm-1', createdAt: AT, expiresAt: LATER });
      await store.insertEmailChangeToken({
        tokenHash: 'ect-1',
        memberId: 'm-1',
        newEmail: 'new@x.io',
        createdAt: AT,
        expiresAt: LATER,
        usedAt: null,
      });
      await store.enqueueMail({ ...makeMail('mail-q'), data: { memberId: 'm-1' } });
      await store.enqueueMail({ ...makeMail('mail-sent'), data: { memberId: 'm-1' }, state: 'sent' });
      await store.enqueueMail({ ...makeMail('mail-other'), data: { memberId: 'm-2' } });

      assert.equal(await store.countGroupKeyShares('g-1'), 2);
      assert.equal(await store.transaction((tx) => tx.deleteMember('m-1')), true);
      assert.equal(await store.countGroupKeyShares('g-1'), 1);
      assert.equal(await store.getMember('m-1'), undefined);
      assert.equal(await store.findMemberByEmail('zoe@x.io'), undefined);
      assert.deepEqual(await store.filterGroupMembers('g-1', ['m-1', 'm-2']), ['m-2']);
      assert.deepEqual(
        (await store.listGroupKeySharesOfMember('m-2')).map((s) => s.groupId),
        ['g-1'],
      );
      assert.deepEqual(await store.listGroupKeySharesOfMember('m-1'), []);
      assert.equal(await store.getMemberKeys('m-1'), undefined);
      assert.equal(await store.getMemberSession('t-1'), undefined);
      assert.equal(await store.getEmailChangeToken('ect-1'), undefined);
      assert.equal(await store.getMail('mail-q'), undefined);
      assert.ok(await store.getMail('mail-sent'));
      assert.ok(await store.getMail('mail-other'));
      assert.equal((await store.listMembers({ startIndex: 1, count: 0 })).total, 4);
      assert.equal(await store.deleteMember('m-1'), false);
    });

    test('deleteSessionsOfMember ends one member’s sessions only', async () => {
      await store.insertMemberSession({ tokenHash: 't-1', memberId: 'm-1', createdAt: AT, expiresAt: LATER });
      await store.insertMemberSession({ tokenHash: 't-2', memberId: 'm-1', createdAt: AT, expiresAt: LATER });
      await store.insertMemberSession({ tokenHash: 't-3', memberId: 'm-2', createdAt: AT, expiresAt: LATER });
      assert.equal(await store.deleteSessionsOfMember('m-1'), 2);
      assert.equal(await store.getMemberSession('t-1'), undefined);
      assert.ok(await store.getMemberSession('t-3'));
    });

    test("listActivity with targetId: that target's entries, newest first, paged by before", async () => {
      const entry = (id: string, targetId: string): NewActivityEntry => ({
        id,
        at: AT,
        actor: 'admin',
        action: 'member.suspended',
        targetType: 'member',
        targetId,
        detail: {},
      });
      for (const e of [entry('a-1', 'm-1'), entry('a-2', 'm-2'), entry('a-3', 'm-1'), entry('a-4', 'm-1')]) {
        await store.appendActivity(e);
      }
      const ofM1 = await store.listActivity({ limit: 2, targetId: 'm-1' });
      assert.deepEqual(
        ofM1.map((e) => e.id),
        ['a-4', 'a-3'],
      );
      const older = await store.listActivity({ limit: 5, targetId: 'm-1', before: 'a-3' });
      assert.deepEqual(
        older.map((e) => e.id),
        ['a-1'],
      );
    });
  });
}
