/** Moving an integration (P20): re-creating it releases the managed groups; a transfer hands them to the new one. */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import {
  errorCode,
  type Fixture,
  grantGroupVault,
  memberInput,
  openFixture,
} from '../../test/support/account-fixture.ts';
import type { AdminActor } from './admin-rules.ts';
import { checkProvisioning } from './check-provisioning.ts';
import { createCustomGroup } from './create-custom-group.ts';
import { createGroup } from './create-group.ts';
import { createMember } from './create-member.ts';
import { getGroup } from './get-group.ts';
import { listGroups } from './list-groups.ts';
import type { Group } from './model.ts';
import { setGroupManaged } from './set-group-managed.ts';
import { setupProvisioning } from './setup-provisioning.ts';
import { listPreviousIntegrationGroups, transferManagedGroups } from './transfer-managed-groups.ts';

const ADMIN: AdminActor = { memberId: 'admin-1', name: 'admin@acme.test' };
const accountUrl = 'https://team.acme.test';
const scimNames = async (f: Fixture) =>
  (await listGroups(f.deps, { startIndex: 1, count: 100 })).items.map((group) => group.displayName);

for (const db of ['sqlite', 'postgres'] as const) {
  describe(`transferring managed groups (${db})`, () => {
    let f: Fixture;
    let engineering: Group;
    let memberId: string;
    beforeEach(async () => {
      f = await openFixture({ db });
    });
    afterEach(() => f.close());

    /** Provisioning on; the IdP pushed Engineering with one member; it opens a vault; Finance is made by hand. */
    async function provisioned() {
      const first = await setupProvisioning(f.deps, { accountUrl });
      memberId = (await createMember(f.deps, memberInput())).id;
      engineering = await createGroup(f.deps, { displayName: 'Engineering', externalId: 'okta-1' }, [
        memberId,
      ]);
      await grantGroupVault(f, {
        groupId: engineering.id,
        publicKey: 'pk-engineering',
        vaultId: 'v-1',
        vaultName: 'Build secrets',
        sealedVaultKey: 'sealed-vault-key',
        at: '2025-03-01T09:00:00.000Z',
      });
      await createCustomGroup(f.deps, ADMIN, { displayName: 'Finance' });
      return first;
    }

    test('refused clearly before provisioning was ever set up', async () => {
      await assert.rejects(transferManagedGroups(f.deps, ADMIN), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'provisioning_disabled');
        assert.match(error.message, /never set up/);
        return true;
      });
    });

    test('regenerating credentials keeps the integration and its groups: nothing to transfer', async () => {
      const first = await provisioned();
      const second = await setupProvisioning(f.deps, { accountUrl });
      assert.equal(second.integration.id, first.integration.id);
      assert.deepEqual(await scimNames(f), ['Engineering']);
      assert.deepEqual(await listPreviousIntegrationGroups(f.deps), []);
      const before = (await f.actions()).length;
      await assert.rejects(transferManagedGroups(f.deps, ADMIN), /nothing changed/);
      assert.equal((await f.actions()).length, before, 'a refusal writes nothing');
    });

    test('re-created: the new IdP sees none of the old groups and cannot push one of their names', async () => {
      const first = await provisioned();
      f.advance(60_000);
      const second = await setupProvisioning(f.deps, { accountUrl, newIntegration: true });
      assert.notEqual(second.integration.id, first.integration.id);
      // The old credentials are dead (P2); the new ones work.
      assert.equal(
        await errorCode(() => checkProvisioning(f.deps, first.integration.keyId)),
        'credentials_revoked',
      );
      await checkProvisioning(f.deps, second.integration.keyId);

      assert.deepEqual(await scimNames(f), []);
      assert.equal(await errorCode(() => getGroup(f.deps, engineering.id)), 'group_not_found');
      await assert.rejects(
        createGroup(f.deps, { displayName: 'engineering', externalId: 'entra-9' }, []),
        (error: Error & { code?: string }) => {
          assert.equal(error.code, 'group_not_managed');
          assert.match(error.message, /transfer that integration's groups \(page Provisioning\)/);
          return true;
        },
      );
      const waiting = await listPreviousIntegrationGroups(f.deps);
      assert.deepEqual(
        waiting.map(({ group, memberCount, integrationId }) => [
          group.displayName,
          memberCount,
          integrationId,
        ]),
        [['Engineering', 1, first.integration.id]],
      );
      const entry = (await f.activity()).find((e) => e.action === 'integration.recreated');
      assert.deepEqual(entry?.detail, { previousIntegrationId: first.integration.id, releasedGroups: 1 });
      assert.equal(entry?.targetId, second.integration.id);
    });

    test('the transfer hands them over unchanged, once', async () => {
      await provisioned();
      const keysBefore = await f.deps.store.getGroupKeys([engineering.id]);
      const second = await setupProvisioning(f.deps, { accountUrl, newIntegration: true });
      f.advance(60_000);
      const moved = await transferManagedGroups(f.deps, ADMIN);
      assert.equal(moved.integrationId, second.integration.id);
      assert.deepEqual(
        moved.groups.map((group) => [group.id, group.displayName, group.managed, group.externalId]),
        [[engineering.id, 'Engineering', true, 'okta-1']],
      );
      // Visible to the new IdP under its old id: its lookup by displayName finds it.
      assert.deepEqual(await scimNames(f), ['Engineering']);
      assert.equal((await getGroup(f.deps, engineering.id)).displayName, 'Engineering');
      assert.deepEqual(
        (await f.deps.store.listGroupMembers(engineering.id, { limit: 10 })).map((m) => m.id),
        [memberId],
      );
      assert.deepEqual(await f.deps.store.getGroupKeys([engineering.id]), keysBefore);
      assert.deepEqual(
        (await f.deps.store.listVaultGrants('v-1')).map((grant) => [grant.groupId, grant.sealedVaultKey]),
        [[engineering.id, 'sealed-vault-key']],
      );
      assert.equal(
        (await f.deps.store.findGroupByDisplayName('Finance'))?.managed,
        false,
        'a group made by hand stays',
      );

      const entries = (await f.activity()).slice(-2);
      assert.deepEqual(
        entries.map((e) => [e.action, e.actor, e.targetId]),
        [
          ['group.transferred', 'admin', engineering.id],
          ['integration.groups_transferred', 'admin', second.integration.id],
        ],
      );
      assert.equal(entries[1]?.detail.groups, 1);
      assert.equal(entries[1]?.detail.by, 'admin@acme.test');

      const before = (await f.actions()).length;
      assert.equal(await errorCode(() => transferManagedGroups(f.deps, ADMIN)), 'group_not_found');
      assert.equal((await f.actions()).length, before, 'the second transfer changes nothing');
    });

    test('an administrator deciding about one group takes it out of the transfer', async () => {
      await provisioned();
      const design = await createGroup(f.deps, { displayName: 'Design', externalId: null }, []);
      await setupProvisioning(f.deps, { accountUrl, newIntegration: true });
      // Engineering is handed over by itself; Design is kept from the new IdP.
      assert.equal((await setGroupManaged(f.deps, ADMIN, 'Engineering', true)).changed, true);
      assert.equal((await setGroupManaged(f.deps, ADMIN, design.id, false)).changed, true);
      assert.equal((await setGroupManaged(f.deps, ADMIN, design.id, false)).changed, false);
      assert.deepEqual(await listPreviousIntegrationGroups(f.deps), []);
      assert.equal(await errorCode(() => transferManagedGroups(f.deps, ADMIN)), 'group_not_found');
      assert.deepEqual(await scimNames(f), ['Engineering']);
      assert.ok((await f.actions()).includes('group.kept_from_transfer'));
    });
  });
}
