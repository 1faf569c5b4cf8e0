/** Part of the Store contract (`contract.ts`). */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { Member } from '../account/model.ts';
import { type Store, UniqueViolation } from '../account/store.ts';
import { FILTER_MEMBERS, makeGroup, makeMember } from './contract-fixtures.ts';

export function membersContract(open: () => Promise<Store>): void {
  describe('members', () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    test('insert then get returns the same member', async () => {
      const member = FILTER_MEMBERS[0]!;
      await store.insertMember(member);
      assert.deepEqual(await store.getMember('m-a'), member);
      assert.equal(await store.getMember('nope'), undefined);
    });

    test('find by userName and e-mail ignore case; externalId does not', async () => {
      for (const member of FILTER_MEMBERS) await store.insertMember(member);
      assert.equal((await store.findMemberByUserName('ALICE'))?.id, 'm-a');
      assert.equal((await store.findMemberByEmail('Bob@Example.COM'))?.id, 'm-b');
      assert.equal((await store.findMemberByExternalId('ext-B'))?.id, 'm-b');
      assert.equal(await store.findMemberByExternalId('EXT-B'), undefined);
      assert.equal(await store.findMemberByUserName('nobody'), undefined);
    });

    test('one lookup finds the member by userName and the one by e-mail, ignoring case', async () => {
      for (const member of FILTER_MEMBERS) await store.insertMember(member);
      const alice = await store.getMember('m-a');
      const bob = await store.getMember('m-b');
      assert.deepEqual(await store.findMembersByUserNameOrEmail('ALICE', 'Bob@Example.COM'), {
        byUserName: alice,
        byEmail: bob,
      });
      const both = await store.findMembersByUserNameOrEmail(alice!.userName, alice!.email.toUpperCase());
      assert.deepEqual(both, { byUserName: alice, byEmail: alice });
      assert.deepEqual(await store.findMembersByUserNameOrEmail('nobody', 'nobody@example.com'), {
        byUserName: undefined,
        byEmail: undefined,
      });
    });

    const conflicts: Array<[string, Partial<Member>, UniqueViolation['field']]> = [
      ['userName differing in case', { userName: 'X-USER' }, 'userName'],
      ['email differing in case', { email: 'X@EXAMPLE.com' }, 'email'],
      ['id', { id: 'x' }, 'id'],
    ];
    for (const [label, clash, field] of conflicts) {
      test(`insert refuses a taken ${label}`, async () => {
        await store.insertMember(makeMember('x'));
        const other = makeMember('y', clash);
        await assert.rejects(store.insertMember(other), (error: unknown) => {
          assert.ok(error instanceof UniqueViolation);
          assert.equal(error.field, field);
          return true;
        });
      });
    }

    test('update checks the version', async () => {
      await store.insertMember(makeMember('x'));
      const changed = makeMember('x', { displayName: 'X', version: 2, profile: { title: 'T' } });
      assert.equal(await store.updateMember(changed, 1), true);
      assert.deepEqual(await store.getMember('x'), changed);
      const stale = makeMember('x', { displayName: 'stale', version: 2 });
      assert.equal(await store.updateMember(stale, 1), false);
      assert.equal((await store.getMember('x'))?.displayName, 'X');
      assert.equal(await store.updateMember(makeMember('missing', { version: 2 }), 1), false);
    });

    test('update given the copy read before writes the same as without it', async () => {
      const original = makeMember('x');
      await store.insertMember(original);
      const changed = makeMember('x', { state: 'suspended', displayName: 'X', version: 2 });
      assert.equal(await store.updateMember(changed, 1, original), true);
      assert.deepEqual(await store.getMember('x'), changed);
      // A copy of an older version changes nothing.
      assert.equal(await store.updateMember(makeMember('x', { version: 3 }), 1, original), false);
      assert.deepEqual(await store.getMember('x'), changed);
      assert.equal(await store.updateMember({ ...changed, version: 3 }, 2, changed), true);
      assert.equal((await store.getMember('x'))?.version, 3);
      assert.equal(
        await store.updateMember(makeMember('missing', { version: 2 }), 1, makeMember('missing')),
        false,
      );
    });

    test('update refuses a taken e-mail', async () => {
      await store.insertMember(makeMember('x'));
      await store.insertMember(makeMember('y'));
      const clash = makeMember('y', { email: 'X@example.com', version: 2 });
      await assert.rejects(store.updateMember(clash, 1), (error: unknown) => {
        assert.ok(error instanceof UniqueViolation);
        assert.equal(error.field, 'email');
        return true;
      });
    });

    test('existingMemberIds leaves out unknown and SCIM-deleted members', async () => {
      await store.insertMember(makeMember('x'));
      await store.insertMember(makeMember('y', { scimDeleted: true }));
      assert.deepEqual(await store.existingMemberIds(['x', 'y', 'z']), ['x']);
      assert.deepEqual(await store.existingMemberIds([]), []);
    });
  });
}

export function groupsContract(open: () => Promise<Store>): void {
  describe('groups', () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    test('insert, get, find, update, delete', async () => {
      const group = makeGroup('g1', {
        displayName: 'Engineering',
        externalId: 'G-1',
        kind: 'team_members',
      });
      await store.insertGroup(group);
      assert.deepEqual(await store.getGroup('g1'), group);
      assert.equal((await store.findGroupByDisplayName('ENGINEERING'))?.id, 'g1');
      assert.equal((await store.findGroupByKind('team_members'))?.id, 'g1');
      assert.equal(await store.findGroupByKind('owners'), undefined);
      const renamed = { ...group, displayName: 'Eng', version: 2 };
      assert.equal(await store.updateGroup(renamed, 1), true);
      assert.equal(await store.updateGroup({ ...renamed, version: 3 }, 1), false);
      assert.deepEqual(await store.getGroup('g1'), renamed);
      assert.equal(await store.deleteGroup('g1'), true);
      assert.equal(await store.deleteGroup('g1'), false);
      assert.equal(await store.getGroup('g1'), undefined);
    });

    test('displayName is unique after NFKC and case folding, and found that way', async () => {
      await store.insertGroup(makeGroup('g1', { displayName: 'Ｏps' }));
      assert.equal((await store.findGroupByDisplayName('OPS'))?.id, 'g1');
      assert.equal((await store.findGroupByDisplayName('ops'))?.id, 'g1');
      for (const displayName of ['ops', 'ＯＰＳ']) {
        await assert.rejects(store.insertGroup(makeGroup('g2', { displayName })), (error: unknown) => {
          assert.ok(error instanceof UniqueViolation);
          assert.equal(error.field, 'displayName');
          return true;
        });
      }
      await store.insertGroup(makeGroup('g3', { displayName: 'Straße' }));
      assert.equal((await store.findGroupByDisplayName('STRASSE'))?.id, 'g3');
    });

    test('a new integration releases the managed custom groups until they are transferred (P20)', async () => {
      const at = '2030-01-01T00:00:00.000Z';
      await store.insertGroup(makeGroup('g-b', { displayName: 'beta' }));
      await store.insertGroup(makeGroup('g-a', { displayName: 'Alpha' }));
      await store.insertGroup(makeGroup('g-c', { displayName: 'Custom', managed: false }));
      await store.insertGroup(
        makeGroup('g-t', { displayName: 'Team Members', kind: 'team_members', managed: false }),
      );
      await store.insertMember(makeMember('m1'));
      await store.insertMember(makeMember('m2'));
      await store.addGroupMembers('g-b', ['m1', 'm2']);
      const managedTotal = async () =>
        (await store.listGroups({ startIndex: 1, count: 0, managedOnly: true })).total;
      assert.equal(await managedTotal(), 2);
      assert.deepEqual(await store.listPreviousIntegrationGroups(), []);

      assert.equal(await store.releaseManagedGroups('old-integration', at), 2);
      assert.equal(await store.releaseManagedGroups('old-integration', at), 0, 'nothing managed is left');
      assert.equal(await managedTotal(), 0, 'the managed count follows');
      const released = await store.listPreviousIntegrationGroups();
      assert.deepEqual(
        released.map(({ group, memberCount, integrationId }) => [
          group.displayName,
          memberCount,
          integrationId,
        ]),
        [
          ['Alpha', 0, 'old-integration'],
          ['beta', 2, 'old-integration'],
        ],
      );
      assert.deepEqual(released[1]!.group, {
        ...makeGroup('g-b', { displayName: 'beta' }),
        managed: false,
        updatedAt: at,
        version: 2,
      });
      assert.equal((await store.getGroup('g-c'))?.version, 1, 'an unmanaged group is left alone');

      // A rename keeps the mark; an administrator's own decision about one group clears it.
      const alpha = (await store.getGroup('g-a'))!;
      assert.equal(await store.updateGroup({ ...alpha, displayName: 'Alpha 2', version: 3 }, 2), true);
      assert.equal(await store.forgetPreviousIntegration('g-a'), true);
      assert.equal(await store.forgetPreviousIntegration('g-a'), false);
      assert.equal(await store.forgetPreviousIntegration('g-c'), false);

      const later = '2030-01-02T00:00:00.000Z';
      const moved = await store.transferPreviousIntegrationGroups(later);
      assert.deepEqual(moved, [
        { ...makeGroup('g-b', { displayName: 'beta' }), updatedAt: later, version: 3 },
      ]);
      assert.deepEqual(await store.listGroupMembers('g-b', { limit: 10 }), [
        { id: 'm1', display: 'm1@example.com' },
        { id: 'm2', display: 'm2@example.com' },
      ]);
      assert.deepEqual(await store.listPreviousIntegrationGroups(), []);
      assert.deepEqual(
        await store.transferPreviousIntegrationGroups(later),
        [],
        'a second transfer finds nothing',
      );
      assert.equal(await managedTotal(), 1);
      assert.equal((await store.getGroup('g-a'))?.managed, false);
    });

    test('displayName is unique ignoring case', async () => {
      await store.insertGroup(makeGroup('g1', { displayName: 'Sales' }));
      await assert.rejects(store.insertGroup(makeGroup('g2', { displayName: 'SALES' })), (error: unknown) => {
        assert.ok(error instanceof UniqueViolation);
        assert.equal(error.field, 'displayName');
        return true;
      });
    });
  });
}

export function membershipContract(open: () => Promise<Store>): void {
  describe('membership', () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    beforeEach(async () => {
      for (const id of ['a', 'b', 'c', 'd']) {
        await store.insertMember(makeMember(id, { displayName: id === 'b' ? 'Bee' : null }));
      }
      await store.insertGroup(makeGroup('g1'));
      await store.insertGroup(makeGroup('g2', { managed: false }));
    });

    test('add is idempotent and counts only new rows', async () => {
      assert.equal(await store.addGroupMembers('g1', ['a', 'b', 'a']), 2);
      assert.equal(await store.addGroupMembers('g1', ['a', 'c']), 1);
      assert.equal(await store.addGroupMembers('g1', []), 0);
      assert.equal(await store.countGroupMembers('g1'), 3);
      assert.deepEqual((await store.filterGroupMembers('g1', ['a', 'b', 'd', 'zz'])).sort(), ['a', 'b']);
    });

    test('add ignores ids that are not members', async () => {
      assert.equal(await store.addGroupMembers('g1', ['a', 'ghost']), 1);
      assert.deepEqual(await store.filterGroupMembers('g1', ['a', 'ghost']), ['a']);
    });

    test('remove counts removed rows', async () => {
      await store.addGroupMembers('g1', ['a', 'b', 'c']);
      assert.equal(await store.removeGroupMembers('g1', ['a', 'zz', 'a']), 1);
      assert.equal(await store.removeGroupMembers('g1', ['a']), 0);
      assert.equal(await store.removeAllGroupMembers('g1'), 2);
      assert.equal(await store.countGroupMembers('g1'), 0);
    });

    test('listGroupMembers pages by member id and shows displayName or email', async () => {
      await store.addGroupMembers('g1', ['d', 'b', 'a', 'c']);
      const first = await store.listGroupMembers('g1', { limit: 3 });
      assert.deepEqual(first, [
        { id: 'a', display: 'a@example.com' },
        { id: 'b', display: 'Bee' },
        { id: 'c', display: 'c@example.com' },
      ]);
      assert.deepEqual(await store.listGroupMembers('g1', { afterMemberId: 'c', limit: 3 }), [
        { id: 'd', display: 'd@example.com' },
      ]);
    });

    test('listGroupsOfMembers answers for many members at once', async () => {
      await store.addGroupMembers('g1', ['a', 'b']);
      await store.addGroupMembers('g2', ['b']);
      const groups = await store.listGroupsOfMembers(['a', 'b', 'c']);
      assert.deepEqual(groups.get('a'), [{ id: 'g1', displayName: 'Group g1', managed: true }]);
      assert.deepEqual(groups.get('b'), [
        { id: 'g1', displayName: 'Group g1', managed: true },
        { id: 'g2', displayName: 'Group g2', managed: false },
      ]);
      assert.equal(groups.get('c'), undefined);
    });

    test('listGroupsOfMembers lists each member’s groups in creation order', async () => {
      // Ids sort the other way round, so that an order by id would show.
      await store.insertGroup(makeGroup('z-first'));
      await store.insertGroup(makeGroup('m-second', { managed: false }));
      await store.insertGroup(makeGroup('a-third'));
      for (const groupId of ['a-third', 'z-first', 'm-second'])
        await store.addGroupMembers(groupId, ['a', 'c']);
      await store.addGroupMembers('a-third', ['d']);
      const expected = ['z-first', 'm-second', 'a-third'];
      const one = await store.listGroupsOfMembers(['a']);
      assert.deepEqual(
        one.get('a')?.map((group) => group.id),
        expected,
      );
      assert.equal(one.get('a')?.[1]?.managed, false);
      const many = await store.listGroupsOfMembers(['d', 'c', 'a', 'b', 'nobody']);
      assert.deepEqual(many.get('a'), one.get('a'));
      assert.deepEqual(
        many.get('c')?.map((group) => group.id),
        expected,
      );
      assert.deepEqual(many.get('d'), [{ id: 'a-third', displayName: 'Group a-third', managed: true }]);
      assert.equal(many.get('b'), undefined);
      assert.equal(many.has('nobody'), false);
    });

    test('listGroupsOfMembers leaves out members between those asked for', async () => {
      // b and c sort between a and d: they are in range but were not asked for.
      await store.addGroupMembers('g1', ['a', 'b', 'c', 'd']);
      await store.addGroupMembers('g2', ['b', 'c']);
      const groups = await store.listGroupsOfMembers(['d', 'a']);
      assert.deepEqual([...groups.keys()].sort(), ['a', 'd']);
      assert.deepEqual(groups.get('d'), [{ id: 'g1', displayName: 'Group g1', managed: true }]);
      // No Team Members group in this account: managedOnly still finds every managed group.
      const managed = await store.listGroupsOfMembers(['d', 'a'], { managedOnly: true });
      assert.deepEqual([...managed.keys()].sort(), ['a', 'd']);
      assert.deepEqual(managed.get('a'), [{ id: 'g1', displayName: 'Group g1', managed: true }]);
    });

    test('listGroupsOfMembers is complete for members in many groups and for any ids', async () => {
      const many = Array.from({ length: 20 }, (_, i) => `many-${String(i).padStart(2, '0')}`);
      for (const id of many) {
        await store.insertGroup(makeGroup(id));
        await store.addGroupMembers(id, ['a', 'b']);
      }
      await store.addGroupMembers('g1', ['b']);
      await store.insertMember(makeMember('ü-member'));
      await store.addGroupMembers('g1', ['ü-member']);
      const groups = await store.listGroupsOfMembers(['a', 'b']);
      assert.deepEqual(
        groups.get('a')?.map((group) => group.id),
        many,
      );
      assert.deepEqual(
        groups.get('b')?.map((group) => group.id),
        ['g1', ...many],
      );
      const unusual = await store.listGroupsOfMembers(['ü-member', 'b']);
      assert.deepEqual(
        unusual.get('ü-member')?.map((group) => group.id),
        ['g1'],
      );
      assert.equal(unusual.get('b')?.length, 21);
    });

    test('listGroupsOfMembers with managedOnly leaves out Team Members and other unmanaged groups', async () => {
      const team = makeGroup('team', { kind: 'team_members', managed: false, displayName: 'Team Members' });
      await store.insertGroup(team);
      await store.insertGroup(makeGroup('z-managed'));
      const all = ['a', 'b', 'c', 'd', 'ü-member'];
      await store.insertMember(makeMember('ü-member'));
      await store.addGroupMembers('team', all);
      await store.addGroupMembers('z-managed', ['d', 'b', 'ü-member']);
      await store.addGroupMembers('g1', ['b', 'd']);
      await store.addGroupMembers('g2', ['a', 'b']);
      const managed = (await store.listGroupsOfMembers(['b'], { managedOnly: true })).get('b');
      assert.deepEqual(
        managed?.map((group) => group.id),
        ['g1', 'z-managed'],
      );
      assert.ok(managed?.every((group) => group.managed));
      // A dense range (a … d), ids that skip members between them, and ids beyond ASCII.
      for (const ids of [
        ['a', 'b', 'c', 'd'],
        ['d', 'b'],
        ['ü-member', 'd', 'a'],
        ['c', 'nobody'],
      ]) {
        const full = await store.listGroupsOfMembers(ids);
        const expected = new Map(
          [...full]
            .map(([id, groups]) => [id, groups.filter((group) => group.managed)] as const)
            .filter(([, groups]) => groups.length > 0),
        );
        assert.deepEqual(await store.listGroupsOfMembers(ids, { managedOnly: true }), expected, ids.join());
      }
      assert.equal((await store.listGroupsOfMembers(['a', 'c'], { managedOnly: true })).size, 0);
    });

    test('deleting a group removes its memberships', async () => {
      await store.addGroupMembers('g1', ['a']);
      await store.deleteGroup('g1');
      assert.equal((await store.listGroupsOfMembers(['a'])).size, 0);
    });
  });
}
