import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { errorCode, type Fixture, memberInput, openFixture } from '../../test/support/account-fixture.ts';
import { createGroup } from './create-group.ts';
import { createMember } from './create-member.ts';
import { deleteMember } from './delete-member.ts';
import type { Group } from './model.ts';

let f: Fixture;
beforeEach(async () => {
  f = await openFixture();
});
afterEach(() => f.close());

describe('createGroup (P17)', () => {
  test('creates a managed custom group with its members and an activity entry', async () => {
    const a = await createMember(f.deps, memberInput({ email: 'a@acme.test' }));
    const b = await createMember(f.deps, memberInput({ email: 'b@acme.test' }));
    const group = await createGroup(f.deps, { displayName: 'Platform Team', externalId: 'okta-g1' }, [
      a.id,
      b.id,
      a.id,
    ]);
    assert.equal(group.kind, 'custom');
    assert.equal(group.managed, true);
    assert.equal(group.version, 1);
    assert.equal(group.externalId, 'okta-g1');
    assert.deepEqual(await f.deps.store.getGroup(group.id), group);
    assert.equal(await f.deps.store.countGroupMembers(group.id), 2);
    const entry = (await f.activity()).at(-1)!;
    assert.equal(entry.action, 'group.created');
    assert.deepEqual(entry.detail, { displayName: 'Platform Team', added: 2 });
  });

  const refusals: Array<{ name: string; displayName: string; code: string }> = [
    { name: 'an existing managed group, any case', displayName: 'platform team', code: 'group_name_taken' },
    { name: 'a built-in group', displayName: 'Provision Managers', code: 'group_protected' },
    { name: 'a built-in group, other case', displayName: 'team members', code: 'group_protected' },
    {
      name: 'an existing custom group nobody made managed',
      displayName: 'FINANCE',
      code: 'group_not_managed',
    },
  ];
  for (const { name, displayName, code } of refusals) {
    test(`refuses the name of ${name}: ${code}`, async () => {
      await createGroup(f.deps, { displayName: 'Platform Team', externalId: null }, []);
      const finance: Group = {
        id: 'finance',
        displayName: 'Finance',
        externalId: null,
        kind: 'custom',
        managed: false,
        createdAt: '2025-01-01T00:00:00.000Z',
        updatedAt: '2025-01-01T00:00:00.000Z',
        version: 1,
      };
      await f.deps.store.insertGroup(finance);
      const groupsBefore = (await f.deps.store.listGroups({ startIndex: 1, count: 0 })).total;
      assert.equal(await errorCode(() => createGroup(f.deps, { displayName, externalId: null }, [])), code);
      assert.equal((await f.deps.store.listGroups({ startIndex: 1, count: 0 })).total, groupsBefore);
    });
  }

  test('the unmanaged-group refusal tells the admin to add it to the managed groups list', async () => {
    await f.deps.store.insertGroup({
      id: 'finance',
      displayName: 'Finance',
      externalId: null,
      kind: 'custom',
      managed: false,
      createdAt: '2025-01-01T00:00:00.000Z',
      updatedAt: '2025-01-01T00:00:00.000Z',
      version: 1,
    });
    await assert.rejects(createGroup(f.deps, { displayName: 'Finance', externalId: null }, []), {
      code: 'group_not_managed',
      message: /managed-groups list on its page in the console \(Groups\)/,
    });
  });

  test('an unknown or SCIM-deleted member id is member_not_found, naming it, and no group is created', async () => {
    const gone = await createMember(f.deps, memberInput());
    await deleteMember(f.deps, gone.id);
    for (const id of ['nobody', gone.id]) {
      await assert.rejects(createGroup(f.deps, { displayName: 'Eng', externalId: null }, [id]), {
        code: 'member_not_found',
        message: new RegExp(id),
      });
    }
    assert.equal(await f.deps.store.findGroupByDisplayName('Eng'), undefined);
  });

  test('owners among the initial members are skipped with an activity note (P16)', async () => {
    const a = await createMember(f.deps, memberInput({ email: 'a@acme.test' }));
    const group = await createGroup(f.deps, { displayName: 'Eng', externalId: null }, [a.id, f.owner.id]);
    assert.deepEqual(await f.deps.store.filterGroupMembers(group.id, [a.id, f.owner.id]), [a.id]);
    const note = (await f.activity()).at(-1)!;
    assert.equal(note.action, 'group.members_skipped');
    assert.deepEqual(note.detail.memberIds, [f.owner.id]);
  });
});
