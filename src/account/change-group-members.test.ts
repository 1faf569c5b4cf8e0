import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { errorCode, type Fixture, memberInput, openFixture } from '../../test/support/account-fixture.ts';
import { testDatabases } from '../../test/support/requirements.ts';
import { changeGroupMembers } from './change-group-members.ts';
import { createGroup } from './create-group.ts';
import { createMember } from './create-member.ts';
import { deleteMember } from './delete-member.ts';
import type { Group, Member } from './model.ts';

/** Members a, b and c, and the group Eng holding a. */
async function openGroupFixture(db: 'sqlite' | 'postgres' = 'sqlite') {
  const f = await openFixture({ db });
  const a = await createMember(f.deps, memberInput({ email: 'a@acme.test' }));
  const b = await createMember(f.deps, memberInput({ email: 'b@acme.test' }));
  const c = await createMember(f.deps, memberInput({ email: 'c@acme.test' }));
  const eng = await createGroup(f.deps, { displayName: 'Eng', externalId: null }, [a.id]);
  return { f, a, b, c, eng };
}

let f: Fixture;
let a: Member;
let b: Member;
let c: Member;
let eng: Group;

async function membersOf(groupId: string): Promise<string[]> {
  return (await f.deps.store.listGroupMembers(groupId, { limit: 10_000 })).map((m) => m.id);
}

describe('changeGroupMembers on SQLite', () => {
  beforeEach(async () => {
    ({ f, a, b, c, eng } = await openGroupFixture());
  });
  afterEach(() => f.close());

  describe('changeGroupMembers: add and remove', () => {
    test('adds and removes in one step, one version bump, one activity entry', async () => {
      f.advance(2000);
      const group = await changeGroupMembers(f.deps, eng.id, { add: [b.id, c.id], remove: [a.id] });
      assert.equal(group.version, 2);
      assert.equal(group.updatedAt, '2025-03-01T09:00:02.000Z');
      assert.deepEqual(await f.deps.store.getGroup(eng.id), group);
      assert.deepEqual(await membersOf(eng.id), [b.id, c.id].sort());
      const entry = (await f.activity()).at(-1)!;
      assert.equal(entry.action, 'group.members_changed');
      assert.deepEqual(entry.detail, { added: 2, removed: 1 });
    });

    test('adding a present member or removing an absent one changes nothing: same version, no activity', async () => {
      const before = await f.actions();
      const group = await changeGroupMembers(f.deps, eng.id, {
        add: [a.id],
        remove: [b.id, 'never-existed'],
      });
      assert.equal(group.version, 1);
      assert.deepEqual(await f.deps.store.getGroup(eng.id), eng);
      assert.deepEqual(await f.actions(), before);
    });

    test('an unknown id to add is member_not_found, naming it, and the rest of the request is not applied', async () => {
      await assert.rejects(changeGroupMembers(f.deps, eng.id, { add: [b.id, 'ghost'], remove: [a.id] }), {
        code: 'member_not_found',
        message: /ghost/,
      });
      assert.deepEqual(await membersOf(eng.id), [a.id]);
      assert.equal((await f.deps.store.getGroup(eng.id))!.version, 1);
    });

    test('a member deleted through SCIM cannot be added but can be removed', async () => {
      await deleteMember(f.deps, a.id);
      await deleteMember(f.deps, b.id);
      assert.equal(
        await errorCode(() => changeGroupMembers(f.deps, eng.id, { add: [b.id] })),
        'member_not_found',
      );
      await changeGroupMembers(f.deps, eng.id, { remove: [a.id] });
      assert.deepEqual(await membersOf(eng.id), []);
    });

    test('a stale expected version is version_mismatch; the current one works', async () => {
      assert.equal(
        await errorCode(() => changeGroupMembers(f.deps, eng.id, { add: [b.id] }, 9)),
        'version_mismatch',
      );
      const group = await changeGroupMembers(f.deps, eng.id, { add: [b.id] }, 1);
      assert.equal(group.version, 2);
    });

    test('concurrent changes to one group are serialised and all of them land', async () => {
      const results = await Promise.all([
        changeGroupMembers(f.deps, eng.id, { add: [b.id] }),
        changeGroupMembers(f.deps, eng.id, { add: [c.id] }),
        changeGroupMembers(f.deps, eng.id, { remove: [a.id] }),
      ]);
      assert.deepEqual(results.map((g) => g.version).sort(), [2, 3, 4]);
      assert.deepEqual(await membersOf(eng.id), [b.id, c.id].sort());
      assert.equal((await f.deps.store.getGroup(eng.id))!.version, 4);
    });
  });

  describe('changeGroupMembers: protected groups and members', () => {
    test('nobody can be added to Provision Managers (P19), nor to any other built-in group', async () => {
      for (const kind of ['provision_managers', 'owners', 'administrators', 'team_members'] as const) {
        const group = (await f.deps.store.findGroupByKind(kind))!;
        const before = await membersOf(group.id);
        assert.equal(
          await errorCode(() => changeGroupMembers(f.deps, group.id, { add: [b.id] })),
          'group_protected',
          kind,
        );
        assert.deepEqual(await membersOf(group.id), before, kind);
      }
      const pm = (await f.deps.store.findGroupByKind('provision_managers'))!;
      await assert.rejects(changeGroupMembers(f.deps, pm.id, { replaceWith: [b.id] }), {
        message: /people cannot be added/,
      });
    });

    test('a custom group that is not managed is group_not_found', async () => {
      await f.deps.store.insertGroup({ ...eng, id: 'finance', displayName: 'Finance', managed: false });
      assert.equal(
        await errorCode(() => changeGroupMembers(f.deps, 'finance', { add: [b.id] })),
        'group_not_found',
      );
    });

    // P16: refusing the whole request because an owner is in the IdP group would make the IdP
    // retry it forever; owners and guests are skipped and the skip is noted for administrators.
    test('owners and guests are skipped, the others still change, and the skip is noted', async () => {
      const guest = {
        ...b,
        id: 'guest-1',
        userName: 'guest',
        email: 'guest@else.test',
        role: 'guest' as const,
      };
      await f.deps.store.insertMember(guest);
      const group = await changeGroupMembers(f.deps, eng.id, { add: [f.owner.id, guest.id, b.id] });
      assert.equal(group.version, 2);
      assert.deepEqual(await membersOf(eng.id), [a.id, b.id].sort());
      const note = (await f.activity()).at(-1)!;
      assert.equal(note.action, 'group.members_skipped');
      assert.deepEqual(note.detail.memberIds, [f.owner.id, guest.id]);
    });

    test('an owner already in a group is not removed by provisioning', async () => {
      await f.deps.store.addGroupMembers(eng.id, [f.owner.id]);
      const group = await changeGroupMembers(f.deps, eng.id, { remove: [f.owner.id] });
      assert.equal(group.version, 1);
      assert.deepEqual(await membersOf(eng.id), [a.id, f.owner.id].sort());
      assert.equal((await f.actions()).at(-1), 'group.members_skipped');
    });
  });

  describe('changeGroupMembers: replacing the member list', () => {
    test('the group ends with exactly the given members', async () => {
      await changeGroupMembers(f.deps, eng.id, { add: [b.id] });
      const group = await changeGroupMembers(f.deps, eng.id, { replaceWith: [b.id, c.id] });
      assert.equal(group.version, 3);
      assert.deepEqual(await membersOf(eng.id), [b.id, c.id].sort());
      assert.deepEqual((await f.activity()).at(-1)!.detail, { added: 1, removed: 1 });
    });

    test('an empty list empties the group; the same list again changes nothing', async () => {
      assert.equal((await changeGroupMembers(f.deps, eng.id, { replaceWith: [] })).version, 2);
      assert.deepEqual(await membersOf(eng.id), []);
      assert.equal((await changeGroupMembers(f.deps, eng.id, { replaceWith: [] })).version, 2);
    });

    test('an unknown id refuses the whole replacement', async () => {
      assert.equal(
        await errorCode(() => changeGroupMembers(f.deps, eng.id, { replaceWith: [b.id, 'ghost'] })),
        'member_not_found',
      );
      assert.deepEqual(await membersOf(eng.id), [a.id]);
    });

    test('owners already in the group stay and are not reported when the IdP lists them too', async () => {
      await f.deps.store.addGroupMembers(eng.id, [f.owner.id]);
      const before = await f.actions();
      const same = await changeGroupMembers(f.deps, eng.id, { replaceWith: [a.id, f.owner.id] });
      assert.equal(same.version, 1);
      assert.deepEqual(await f.actions(), before);
      await changeGroupMembers(f.deps, eng.id, { replaceWith: [b.id] });
      assert.deepEqual(await membersOf(eng.id), [b.id, f.owner.id].sort());
      assert.deepEqual((await f.activity()).at(-1)!.detail.memberIds, [f.owner.id]);
    });

    test('works across many pages of the current member list', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 2300; i++) {
        const id = `bulk-${String(i).padStart(5, '0')}`;
        ids.push(id);
        await f.deps.store.insertMember({ ...a, id, userName: `${id}@acme.test`, email: `${id}@acme.test` });
      }
      await f.deps.store.addGroupMembers(eng.id, ids);
      // Keep every third, drop the rest, add b.
      const kept = ids.filter((_, i) => i % 3 === 0);
      const group = await changeGroupMembers(f.deps, eng.id, { replaceWith: [...kept, b.id] });
      assert.equal(group.version, 2);
      assert.deepEqual(await membersOf(eng.id), [...kept, b.id].sort());
      assert.deepEqual((await f.activity()).at(-1)!.detail, { added: 1, removed: 2300 - kept.length + 1 });
    });
  });
});

for (const db of testDatabases()) {
  describe(`changeGroupMembers: attributes in the same transaction (${db})`, () => {
    // On both databases: the unique index on names and the rollback of an aborted
    // transaction differ between SQLite and PostgreSQL.
    beforeEach(async () => {
      ({ f, a, b, c, eng } = await openGroupFixture(db));
    });
    afterEach(() => f.close());

    test('renames and changes members in one step: one version bump, an entry for each', async () => {
      const group = await changeGroupMembers(f.deps, eng.id, { add: [b.id] }, 1, {
        displayName: 'Engineering',
        externalId: 'ext-eng',
      });
      assert.equal(group.version, 2);
      assert.equal(group.displayName, 'Engineering');
      assert.equal(group.externalId, 'ext-eng');
      assert.deepEqual(await f.deps.store.getGroup(eng.id), group);
      assert.deepEqual(await membersOf(eng.id), [a.id, b.id].sort());
      const entries = (await f.activity()).slice(-2);
      assert.deepEqual(
        entries.map((entry) => [entry.action, entry.detail]),
        [
          ['group.renamed', { from: 'Eng', to: 'Engineering' }],
          ['group.members_changed', { added: 1, removed: 0 }],
        ],
      );
    });

    test('a new externalId alone with a redundant member change still lands', async () => {
      const group = await changeGroupMembers(f.deps, eng.id, { add: [a.id] }, undefined, {
        displayName: 'Eng',
        externalId: 'ext-1',
      });
      assert.equal(group.version, 2);
      assert.equal((await f.deps.store.getGroup(eng.id))!.externalId, 'ext-1');
      assert.equal((await f.activity()).at(-1)!.action, 'group.updated');
    });

    test('the same attributes and no member change write nothing', async () => {
      const before = await f.actions();
      const group = await changeGroupMembers(f.deps, eng.id, { add: [a.id] }, 1, {
        displayName: 'Eng',
        externalId: null,
      });
      assert.deepEqual(group, eng);
      assert.deepEqual(await f.actions(), before);
    });

    test('an unknown member to add leaves the name as it was (RFC 7644 §3.5.2: all or nothing)', async () => {
      await assert.rejects(
        changeGroupMembers(f.deps, eng.id, { add: [b.id, 'ghost'] }, 1, {
          displayName: 'Engineering',
          externalId: null,
        }),
        { code: 'member_not_found' },
      );
      assert.deepEqual(await f.deps.store.getGroup(eng.id), eng);
      assert.deepEqual(await membersOf(eng.id), [a.id]);
    });

    test('a name another group holds is group_name_taken and the members stay as they were', async () => {
      await createGroup(f.deps, { displayName: 'Sales', externalId: null }, []);
      assert.equal(
        await errorCode(() =>
          changeGroupMembers(f.deps, eng.id, { add: [b.id] }, undefined, {
            displayName: 'sales',
            externalId: null,
          }),
        ),
        'group_name_taken',
      );
      assert.deepEqual(await membersOf(eng.id), [a.id]);
      assert.deepEqual(await f.deps.store.getGroup(eng.id), eng);
    });

    test('a built-in group name is refused and nothing changes', async () => {
      assert.equal(
        await errorCode(() =>
          changeGroupMembers(f.deps, eng.id, { remove: [a.id] }, undefined, {
            displayName: 'Owners',
            externalId: null,
          }),
        ),
        'group_protected',
      );
      assert.deepEqual(await membersOf(eng.id), [a.id]);
    });

    test('a stale expected version refuses both halves', async () => {
      assert.equal(
        await errorCode(() =>
          changeGroupMembers(f.deps, eng.id, { add: [b.id] }, 7, {
            displayName: 'Engineering',
            externalId: null,
          }),
        ),
        'version_mismatch',
      );
      assert.deepEqual(await f.deps.store.getGroup(eng.id), eng);
      assert.deepEqual(await membersOf(eng.id), [a.id]);
    });
  });
}
