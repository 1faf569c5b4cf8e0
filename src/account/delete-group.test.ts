import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { errorCode, type Fixture, memberInput, openFixture } from '../../test/support/account-fixture.ts';
import { createGroup } from './create-group.ts';
import { createMember } from './create-member.ts';
import { deleteGroup } from './delete-group.ts';
import { getGroup } from './get-group.ts';
import { listGroupMembers } from './list-group-members.ts';
import { listGroups } from './list-groups.ts';

let f: Fixture;
beforeEach(async () => {
  f = await openFixture();
});
afterEach(() => f.close());

test('deleting a group removes it and its memberships; the members stay', async () => {
  const grace = await createMember(f.deps, memberInput());
  const group = await createGroup(f.deps, { displayName: 'Eng', externalId: null }, [grace.id]);
  await deleteGroup(f.deps, group.id);
  assert.equal(await f.deps.store.getGroup(group.id), undefined);
  assert.deepEqual(await f.deps.store.getMember(grace.id), grace);
  const groups = (await f.deps.store.listGroupsOfMembers([grace.id])).get(grace.id) ?? [];
  assert.deepEqual(
    groups.map((g) => g.displayName),
    ['Team Members'],
  );
  const entry = (await f.activity()).at(-1)!;
  assert.equal(entry.action, 'group.deleted');
  assert.deepEqual(entry.detail, { displayName: 'Eng' });
  assert.equal(await errorCode(() => deleteGroup(f.deps, group.id)), 'group_not_found');
});

test('built-in groups cannot be deleted (P19)', async () => {
  for (const kind of ['owners', 'administrators', 'team_members', 'provision_managers'] as const) {
    const group = (await f.deps.store.findGroupByKind(kind))!;
    assert.equal(await errorCode(() => deleteGroup(f.deps, group.id)), 'group_protected', kind);
    assert.ok(await f.deps.store.getGroup(group.id));
  }
});

test('SCIM sees only managed groups: built-ins and unmanaged custom groups are not found nor listed', async () => {
  const eng = await createGroup(f.deps, { displayName: 'Eng', externalId: null }, []);
  await f.deps.store.insertGroup({ ...eng, id: 'finance', displayName: 'Finance', managed: false });
  assert.deepEqual(await getGroup(f.deps, eng.id), eng);
  assert.equal(await errorCode(() => getGroup(f.deps, 'finance')), 'group_not_found');
  assert.equal(await errorCode(() => getGroup(f.deps, f.teamMembers.id)), 'group_not_found');
  assert.equal(
    await errorCode(() => listGroupMembers(f.deps, f.teamMembers.id, { limit: 10 })),
    'group_not_found',
  );
  const page = await listGroups(f.deps, { startIndex: 1, count: 100 });
  assert.deepEqual(
    page.items.map((g) => g.displayName),
    ['Eng'],
  );
});

test('listGroupMembers pages through a visible group by member id', async () => {
  const a = await createMember(f.deps, memberInput({ email: 'a@acme.test' }));
  const b = await createMember(f.deps, memberInput({ email: 'b@acme.test' }));
  const eng = await createGroup(f.deps, { displayName: 'Eng', externalId: null }, [b.id, a.id]);
  const first = await listGroupMembers(f.deps, eng.id, { limit: 1 });
  const second = await listGroupMembers(f.deps, eng.id, { afterMemberId: first[0]!.id, limit: 1 });
  assert.deepEqual(
    [...first, ...second].map((m) => m.id),
    [a.id, b.id].sort(),
  );
});
