import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { type Fixture, memberInput, openFixture } from '../../test/support/account-fixture.ts';
import { integrationChanged } from './check-provisioning.ts';
import { AccountError } from './errors.ts';
import { createInProcessAccountClient } from './in-process-client.ts';

let f: Fixture;
beforeEach(async () => {
  f = await openFixture();
});
afterEach(() => f.close());

test('a provisioning round trip through the client: create, group, update, delete', async () => {
  const client = createInProcessAccountClient(f.deps);
  const grace = await client.createMember(memberInput());
  assert.deepEqual(await client.getMember(grace.id), grace);
  const group = await client.createGroup({ displayName: 'Eng', externalId: null }, [grace.id]);
  assert.deepEqual(await client.listGroupMembers(group.id, { limit: 10 }), [
    { id: grace.id, display: 'Grace Hopper' },
  ]);
  const groups = await client.groupsOfMembers([grace.id]);
  assert.ok(groups.get(grace.id)?.some((g) => g.id === group.id && g.managed));
  const renamed = await client.updateGroup(group.id, { displayName: 'R&D', externalId: null }, group.version);
  const changed = await client.changeGroupMembers(renamed.id, { remove: [grace.id] }, renamed.version);
  assert.equal(changed.version, renamed.version + 1);
  assert.deepEqual(
    (await client.listGroups({ startIndex: 1, count: 10 })).items.map((g) => g.displayName),
    ['R&D'],
  );
  const updated = await client.updateMember(grace.id, { ...memberInput(), active: false }, grace.version);
  assert.equal(updated.state, 'suspended');
  await client.deleteMember(grace.id);
  await assert.rejects(
    client.getMember(grace.id),
    (error) => error instanceof AccountError && error.code === 'member_not_found',
  );
  assert.equal((await client.listMembers({ startIndex: 1, count: 10 })).total, 1);
  await client.deleteGroup(group.id);
  await assert.rejects(client.getGroup(group.id), { code: 'group_not_found' });
});

test('checkProvisioning is cached and forgotten on local changes', async () => {
  const client = createInProcessAccountClient(f.deps, { integrationCacheMs: 60_000 });
  await assert.rejects(client.checkProvisioning('k1'), { code: 'provisioning_disabled' });
  await f.deps.store.saveIntegration({
    id: 'int',
    state: 'active',
    keyId: 'k1',
    signingPublicKey: 's',
    provisioningPublicKey: 'p',
    createdAt: '2025-03-01T09:00:00.000Z',
    updatedAt: '2025-03-01T09:00:00.000Z',
  });
  await assert.rejects(client.checkProvisioning('k1'), { code: 'provisioning_disabled' });
  integrationChanged(f.deps.store);
  await client.checkProvisioning('k1');
  await f.deps.store.saveIntegration({ ...(await f.deps.store.getIntegration())!, keyId: 'k2' });
  client.forgetIntegration();
  await assert.rejects(client.checkProvisioning('k1'), { code: 'credentials_revoked' });
});
