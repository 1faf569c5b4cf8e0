import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { openBareDeps } from '../../test/support/account-fixture.ts';
import type { AccountDeps } from './deps.ts';
import { ensureAccount } from './ensure-account.ts';

let deps: AccountDeps;
beforeEach(async () => {
  deps = await openBareDeps();
});
afterEach(() => deps.store.close());

test('the first start creates the account, the four built-in groups and the owner', async () => {
  const result = await ensureAccount(deps, { name: 'Acme', ownerEmail: 'owner@acme.test' });
  assert.equal(result.created, true);
  assert.equal(result.account.name, 'Acme');
  assert.deepEqual(result.account.allowedDomains, []);
  assert.deepEqual(await deps.store.getAccount(), result.account);

  const kinds = ['owners', 'administrators', 'team_members', 'provision_managers'] as const;
  const names = [];
  for (const kind of kinds) {
    const group = (await deps.store.findGroupByKind(kind))!;
    assert.equal(group.managed, false, kind);
    names.push(group.displayName);
  }
  assert.deepEqual(names, ['Owners', 'Administrators', 'Team Members', 'Provision Managers']);

  assert.equal(result.owner.role, 'owner');
  assert.equal(result.owner.email, 'owner@acme.test');
  assert.equal(result.owner.managed, false);
  const ownerGroups = (await deps.store.listGroupsOfMembers([result.owner.id])).get(result.owner.id) ?? [];
  assert.deepEqual(ownerGroups.map((g) => g.displayName).sort(), ['Owners', 'Team Members']);
  const actions = (await deps.store.listActivity({ limit: 100 })).map((e) => `${e.actor}:${e.action}`);
  assert.ok(actions.includes('system:account.created'));
});

test('later starts change nothing and report created: false', async () => {
  const first = await ensureAccount(deps, { name: 'Acme', ownerEmail: 'owner@acme.test' });
  const activity = await deps.store.listActivity({ limit: 100 });
  const second = await ensureAccount(deps, { name: 'Renamed', ownerEmail: 'OWNER@acme.test' });
  assert.equal(second.created, false);
  assert.deepEqual(second.account, first.account);
  assert.deepEqual(second.owner, first.owner);
  assert.deepEqual(await deps.store.listActivity({ limit: 100 }), activity);
  assert.equal((await deps.store.listGroups({ startIndex: 1, count: 0 })).total, 4);
});

test('a missing built-in group is restored on the next start', async () => {
  await ensureAccount(deps, { name: 'Acme', ownerEmail: 'owner@acme.test' });
  const pm = (await deps.store.findGroupByKind('provision_managers'))!;
  await deps.store.deleteGroup(pm.id);
  await ensureAccount(deps, { name: 'Acme', ownerEmail: 'owner@acme.test' });
  assert.equal((await deps.store.findGroupByKind('provision_managers'))!.displayName, 'Provision Managers');
});

test('a changed owner e-mail never makes a second owner: the setting is reported as ignored', async () => {
  const first = await ensureAccount(deps, { name: 'Acme', ownerEmail: 'owner@acme.test' });
  assert.equal(first.ownerEmailIgnored, false);
  const second = await ensureAccount(deps, { name: 'Acme', ownerEmail: 'someone-else@acme.test' });
  assert.equal(second.ownerEmailIgnored, true);
  assert.equal(second.owner.id, first.owner.id);
  assert.equal(await deps.store.findMemberByEmail('someone-else@acme.test'), undefined);
  const owners = (await deps.store.findGroupByKind('owners'))!;
  assert.equal(await deps.store.countGroupMembers(owners.id), 1);
  assert.equal(
    (await ensureAccount(deps, { name: 'Acme', ownerEmail: 'Owner@acme.test' })).ownerEmailIgnored,
    false,
  );
});
