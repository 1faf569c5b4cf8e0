/** appointAdministrator and removeAdministrator: only the owner, only people who can sign in, sessions ended. */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import {
  type Fixture,
  grantGroupVault,
  memberInput,
  openFixture,
  setMemberState,
} from '../../test/support/account-fixture.ts';
import { testDatabases } from '../../test/support/requirements.ts';
import type { AdminActor } from './admin-rules.ts';
import { AdministratorError, type AdministratorRefusal, isAdministrator } from './administrator-rules.ts';
import { appointAdministrator } from './appoint-administrator.ts';

import { createMember } from './create-member.ts';
import type { Member } from './model.ts';
import { removeAdministrator } from './remove-administrator.ts';

const SIGNED_UP = '2025-03-01T08:00:00.000Z';
const LATER = '2025-03-02T09:00:00.000Z';

async function refusal(work: () => Promise<unknown>): Promise<AdministratorRefusal> {
  try {
    await work();
  } catch (error) {
    if (error instanceof AdministratorError) return error.reason;
    throw error;
  }
  throw new Error('expected a refusal, but the call succeeded');
}

for (const db of testDatabases()) {
  describe(`appointing and removing administrators (${db})`, () => {
    let f: Fixture;
    let ownerActs: AdminActor;
    let kim: Member;
    beforeEach(async () => {
      f = await openFixture({ db });
      ownerActs = { memberId: f.owner.id, name: f.owner.email };
      const created = await createMember(f.deps, memberInput({ email: 'kim@acme.test', userName: 'kim' }));
      kim = await setMemberState(f, created.id, {
        state: 'active',
        signedUpAt: SIGNED_UP,
        confirmedAt: SIGNED_UP,
      });
    });
    afterEach(() => f.close());

    const session = (tokenHash: string, memberId = kim.id) =>
      f.deps.store.insertMemberSession({ tokenHash, memberId, createdAt: SIGNED_UP, expiresAt: LATER });

    test('the owner appoints an active person: they may use the console, and the activity names both', async () => {
      assert.equal(await isAdministrator(f.deps.store, kim), false);
      await appointAdministrator(f.deps, ownerActs, 'KIM@acme.test');
      assert.equal(await isAdministrator(f.deps.store, kim), true);
      const entry = (await f.activity()).at(-1)!;
      assert.equal(entry.action, 'member.administrator_appointed');
      assert.equal(entry.actor, 'admin');
      assert.equal(entry.targetId, kim.id);
      assert.deepEqual(entry.detail, {
        email: 'kim@acme.test',
        by: 'owner@acme.test',
        byMemberId: f.owner.id,
      });
      // No group key went with it.
      assert.deepEqual(await f.deps.store.listGroupKeySharesOfMember(kim.id), []);
      assert.equal(
        await refusal(() => appointAdministrator(f.deps, ownerActs, kim.id)),
        'already_administrator',
      );
    });

    test('only the owner appoints or removes; another administrator is refused and nothing changes', async () => {
      const lee = await setMemberState(
        f,
        (await createMember(f.deps, memberInput({ email: 'lee@acme.test', userName: 'lee' }))).id,
        { state: 'active', signedUpAt: SIGNED_UP, confirmedAt: SIGNED_UP },
      );
      await appointAdministrator(f.deps, ownerActs, lee.id);
      const leeActs: AdminActor = { memberId: lee.id, name: lee.email };
      const before = (await f.actions()).length;
      assert.equal(await refusal(() => appointAdministrator(f.deps, leeActs, kim.id)), 'owner_only');
      assert.equal(await isAdministrator(f.deps.store, kim), false);
      await appointAdministrator(f.deps, ownerActs, kim.id);
      assert.equal(await refusal(() => removeAdministrator(f.deps, leeActs, kim.id)), 'owner_only');
      assert.equal(await isAdministrator(f.deps.store, kim), true);
      assert.equal((await f.actions()).length, before + 1, 'only the owner’s appointment was recorded');
      // The command line acts as the owner.
      const cli: AdminActor = { memberId: null, name: 'command line (user ops)' };
      await removeAdministrator(f.deps, cli, kim.id);
      assert.equal(await isAdministrator(f.deps.store, kim), false);
    });

    test('invited, pending, suspended and IdP-deleted people are refused', async () => {
      for (const patch of [
        { state: 'invited', signedUpAt: null, confirmedAt: null },
        { state: 'pending', confirmedAt: null },
        { state: 'suspended', suspendedAt: SIGNED_UP },
        { state: 'active', scimDeleted: true },
      ] as const) {
        const current = (await f.deps.store.getMember(kim.id))!;
        await setMemberState(f, kim.id, { ...current, scimDeleted: false, ...patch });
        assert.equal(
          await refusal(() => appointAdministrator(f.deps, ownerActs, kim.id)),
          'not_appointable',
          patch.state,
        );
        assert.equal(await isAdministrator(f.deps.store, kim), false);
      }
    });

    test('the owner is neither appointed nor removed; removing a non-administrator is refused', async () => {
      assert.equal(await refusal(() => appointAdministrator(f.deps, ownerActs, f.owner.id)), 'is_owner');
      assert.equal(await refusal(() => removeAdministrator(f.deps, ownerActs, f.owner.id)), 'is_owner');
      assert.equal(await isAdministrator(f.deps.store, f.owner), true, 'still in Owners');
      assert.equal(await refusal(() => removeAdministrator(f.deps, ownerActs, kim.id)), 'not_administrator');
    });

    test("removing ends the person's sessions at once, and only theirs", async () => {
      await appointAdministrator(f.deps, ownerActs, kim.id);
      await session('kim-console');
      await session('kim-member');
      await session('owner-console', f.owner.id);
      const { endedSessions } = await removeAdministrator(f.deps, ownerActs, kim.id);
      assert.equal(endedSessions, 2);
      assert.equal(await f.deps.store.getMemberSession('kim-console'), undefined);
      assert.equal(await f.deps.store.getMemberSession('kim-member'), undefined);
      assert.ok(await f.deps.store.getMemberSession('owner-console'));
      assert.equal(await isAdministrator(f.deps.store, kim), false);
      const entry = (await f.activity()).at(-1)!;
      assert.equal(entry.action, 'member.administrator_removed');
      assert.deepEqual(entry.detail, {
        email: 'kim@acme.test',
        endedSessions: 2,
        by: 'owner@acme.test',
        byMemberId: f.owner.id,
      });
    });

    test("the last holder of Administrators' key is not removed while a vault only it opens would be lost", async () => {
      await appointAdministrator(f.deps, ownerActs, kim.id);
      const administrators = (await f.deps.store.findGroupByKind('administrators'))!;
      await grantGroupVault(f, {
        groupId: administrators.id,
        publicKey: 'pk-admins',
        vaultId: 'v-1',
        vaultName: 'Break-glass',
        sealedVaultKey: 'sealed',
        at: LATER,
      });
      await f.deps.store.addGroupKeyShares([
        { groupId: administrators.id, memberId: kim.id, sealedPrivateKey: 's', createdAt: LATER },
      ]);
      assert.equal(await refusal(() => removeAdministrator(f.deps, ownerActs, kim.id)), 'last_key_holder');
      assert.equal(await isAdministrator(f.deps.store, kim), true);
      // With the vault given to another group as well, nothing is lost.
      await f.deps.store.insertGroupKey({
        groupId: f.teamMembers.id,
        publicKey: 'pk-team',
        sealedForProvisioning: null,
        createdAt: LATER,
      });
      await f.deps.store.saveVaultGrant({
        vaultId: 'v-1',
        groupId: f.teamMembers.id,
        sealedVaultKey: 'sealed',
        permission: 'manage',
        createdAt: LATER,
      });
      await removeAdministrator(f.deps, ownerActs, kim.id);
      assert.equal(await isAdministrator(f.deps.store, kim), false);
    });
  });
}
