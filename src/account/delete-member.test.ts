import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { errorCode, type Fixture, memberInput, openFixture } from '../../test/support/account-fixture.ts';
import { createGroup } from './create-group.ts';
import { createMember } from './create-member.ts';
import { deleteMember } from './delete-member.ts';
import { getMember } from './get-member.ts';
import { listMembers } from './list-members.ts';

let f: Fixture;
beforeEach(async () => {
  f = await openFixture();
});
afterEach(() => f.close());

test('deleting suspends the member and hides them from SCIM, but keeps the row and memberships (P14)', async () => {
  const grace = await createMember(f.deps, memberInput());
  const group = await createGroup(f.deps, { displayName: 'Eng', externalId: null }, [grace.id]);
  f.advance(5000);
  await deleteMember(f.deps, grace.id);

  const row = (await f.deps.store.getMember(grace.id))!;
  assert.equal(row.state, 'suspended');
  assert.equal(row.scimDeleted, true);
  assert.equal(row.suspendedAt, '2025-03-01T09:00:05.000Z');
  assert.equal(row.version, grace.version + 1);
  assert.deepEqual(await f.deps.store.filterGroupMembers(group.id, [grace.id]), [grace.id]);
  assert.equal((await f.actions()).at(-1), 'member.suspended');

  assert.equal(await errorCode(() => getMember(f.deps, grace.id)), 'member_not_found');
  const page = await listMembers(f.deps, { startIndex: 1, count: 10 });
  assert.deepEqual(
    page.items.map((m) => m.id),
    [f.owner.id],
  );
  assert.equal(page.total, 1);
});

test('deleting twice, or an unknown id, is member_not_found', async () => {
  const grace = await createMember(f.deps, memberInput());
  await deleteMember(f.deps, grace.id);
  assert.equal(await errorCode(() => deleteMember(f.deps, grace.id)), 'member_not_found');
  assert.equal(await errorCode(() => deleteMember(f.deps, 'nobody')), 'member_not_found');
});

test('a member suspended earlier keeps the time of the first suspension', async () => {
  const grace = await createMember(f.deps, memberInput({ active: false }));
  f.advance(60_000);
  await deleteMember(f.deps, grace.id);
  assert.equal((await f.deps.store.getMember(grace.id))!.suspendedAt, grace.suspendedAt);
});

test('owners cannot be deleted by provisioning (P16)', async () => {
  assert.equal(await errorCode(() => deleteMember(f.deps, f.owner.id)), 'member_protected');
  assert.equal((await f.deps.store.getMember(f.owner.id))!.scimDeleted, false);
});

test('getMember returns the stored member; listMembers filters in the store', async () => {
  const grace = await createMember(f.deps, memberInput());
  await createMember(f.deps, memberInput({ email: 'ada@acme.test' }));
  assert.deepEqual(await getMember(f.deps, grace.id), grace);
  const page = await listMembers(f.deps, {
    startIndex: 1,
    count: 10,
    filter: { op: 'eq', path: { attr: 'userName' }, value: 'ADA@acme.test' },
  });
  assert.deepEqual(
    page.items.map((m) => m.email),
    ['ada@acme.test'],
  );
});
