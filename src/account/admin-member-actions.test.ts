/** suspendMember, reactivateMember, removeMember and getPerson: an administrator's acts on people. */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import {
  errorCode,
  type Fixture,
  grantGroupVault,
  memberInput,
  openFixture,
  setMemberState,
} from '../../test/support/account-fixture.ts';
import type { AdminActor } from './admin-rules.ts';
import { createGroup } from './create-group.ts';
import { createMember } from './create-member.ts';
import { getPerson } from './get-person.ts';
import type { Member } from './model.ts';
import { reactivateMember } from './reactivate-member.ts';
import { removeMember } from './remove-member.ts';
import { suspendMember } from './suspend-member.ts';

const CLI: AdminActor = { memberId: null, name: 'command line (user ops)' };
const LATER = '2025-03-02T09:00:00.000Z';

for (const db of ['sqlite', 'postgres'] as const) {
  describe(`an administrator's acts on people (${db})`, () => {
    let f: Fixture;
    /** Not managed by the IdP: an administrator's to suspend. */
    let kim: Member;
    /** Managed by the IdP. */
    let grace: Member;
    beforeEach(async () => {
      f = await openFixture({ db });
      grace = await createMember(f.deps, memberInput());
      const created = await createMember(
        f.deps,
        memberInput({ email: 'kim@acme.test', userName: 'kim@acme.test' }),
      );
      kim = await setMemberState(f, created.id, { managed: false });
      await f.deps.store.insertMemberSession({
        tokenHash: 'kim-session',
        memberId: kim.id,
        createdAt: '2025-03-01T09:00:00.000Z',
        expiresAt: LATER,
      });
    });
    afterEach(() => f.close());

    const openInvitations = async (id: string) =>
      (await f.deps.store.listInvitations(id)).filter((i) => i.usedAt === null && i.revokedAt === null);

    test('suspend ends sessions and the open invitation, and names the administrator in the activity', async () => {
      f.advance(1000);
      const { member, changed } = await suspendMember(f.deps, CLI, 'KIM@acme.test');
      assert.equal(changed, true);
      assert.equal(member.state, 'suspended');
      assert.equal(member.version, kim.version + 1);
      assert.equal(await f.deps.store.getMemberSession('kim-session'), undefined);
      assert.equal((await openInvitations(kim.id)).length, 0);
      const entry = (await f.activity()).at(-1)!;
      assert.equal(entry.action, 'member.suspended');
      assert.equal(entry.actor, 'admin');
      assert.deepEqual(entry.detail, { previousState: 'invited', by: 'command line (user ops)' });
      // Again: nothing is written.
      const again = await suspendMember(f.deps, CLI, kim.id);
      assert.equal(again.changed, false);
      assert.equal(again.member.version, member.version);
    });

    test('reactivate brings back the state reached; one who never signed up gets a new invitation', async () => {
      await suspendMember(f.deps, CLI, kim.id);
      const mailBefore = (await f.mail()).length;
      const { member } = await reactivateMember(f.deps, CLI, kim.id);
      assert.equal(member.state, 'invited');
      assert.equal(member.suspendedAt, null);
      assert.equal((await openInvitations(kim.id)).length, 1);
      assert.deepEqual(
        (await f.mail()).slice(mailBefore).map((m) => [m.template, m.to]),
        [['invitation', 'kim@acme.test']],
      );
      // A confirmed member comes back active, without mail.
      await setMemberState(f, kim.id, { state: 'active', signedUpAt: LATER, confirmedAt: LATER });
      await suspendMember(f.deps, CLI, kim.id);
      const mail = (await f.mail()).length;
      assert.equal((await reactivateMember(f.deps, CLI, kim.id)).member.state, 'active');
      assert.equal((await f.mail()).length, mail);
      assert.equal((await reactivateMember(f.deps, CLI, kim.id)).changed, false);
    });

    test('members the IdP manages, the owner and oneself are refused, and nothing changes', async () => {
      const before = await f.actions();
      for (const act of [suspendMember, reactivateMember]) {
        await assert.rejects(act(f.deps, CLI, grace.id), /managed by your identity provider/);
        await assert.rejects(act(f.deps, CLI, f.owner.email), /owner/);
      }
      const self: AdminActor = { memberId: kim.id, name: 'kim@acme.test' };
      assert.equal(await errorCode(() => suspendMember(f.deps, self, kim.id)), 'member_protected');
      assert.equal(await errorCode(() => removeMember(f.deps, self, kim.id)), 'member_protected');
      assert.equal(await errorCode(() => removeMember(f.deps, CLI, f.owner.id)), 'member_protected');
      assert.equal(await errorCode(() => suspendMember(f.deps, CLI, 'nobody@acme.test')), 'member_not_found');
      assert.deepEqual(await f.deps.store.getMember(grace.id), grace);
      assert.deepEqual(await f.actions(), before);
    });

    test('delete removes the member with memberships, sessions, invitations and queued mail; the log keeps who it was', async () => {
      const eng = await createGroup(f.deps, { displayName: 'Eng', externalId: null }, [grace.id]);
      await f.deps.store.insertMemberSession({
        tokenHash: 'grace-session',
        memberId: grace.id,
        createdAt: '2025-03-01T09:00:00.000Z',
        expiresAt: LATER,
      });
      assert.ok((await f.mail()).some((m) => m.to === grace.email && m.state === 'queued'));
      const removed = await removeMember(f.deps, CLI, grace.email);
      assert.equal(removed.id, grace.id);
      assert.equal(await f.deps.store.getMember(grace.id), undefined);
      assert.equal(await f.deps.store.findMemberByEmail(grace.email), undefined);
      assert.equal(await f.deps.store.countGroupMembers(eng.id), 0);
      assert.equal(await f.deps.store.getMemberSession('grace-session'), undefined);
      assert.deepEqual(await f.deps.store.listInvitations(grace.id), []);
      assert.ok(!(await f.mail()).some((m) => m.to === grace.email && m.state === 'queued'));
      assert.ok(
        (await f.mail()).some((m) => m.to === kim.email),
        "others' mail stays",
      );
      const entry = (await f.activity()).at(-1)!;
      assert.equal(entry.action, 'member.deleted');
      assert.deepEqual(entry.detail, {
        email: 'grace@acme.test',
        displayName: 'Grace Hopper',
        state: 'invited',
        managed: true,
        by: 'command line (user ops)',
      });
      assert.equal(await errorCode(() => removeMember(f.deps, CLI, grace.id)), 'member_not_found');
      // The address is free again: the IdP can push the person as someone new.
      const again = await createMember(f.deps, memberInput());
      assert.notEqual(again.id, grace.id);
    });

    test('delete is refused when the member is the last holder of a key that alone opens a vault', async () => {
      const finance = await createGroup(f.deps, { displayName: 'Finance', externalId: null }, [
        grace.id,
        kim.id,
      ]);
      await grantGroupVault(f, {
        groupId: finance.id,
        publicKey: 'pk-f',
        vaultId: 'v-9',
        vaultName: 'Payroll',
        sealedVaultKey: 'sealed',
        at: LATER,
      });
      const share = (memberId: string) => ({
        groupId: finance.id,
        memberId,
        sealedPrivateKey: 's',
        createdAt: LATER,
      });
      await f.deps.store.addGroupKeyShares([share(grace.id), share(kim.id)]);
      // Two holders: one may go.
      await removeMember(f.deps, CLI, kim.id);
      await assert.rejects(
        removeMember(f.deps, CLI, grace.id),
        /last member holding the key of "Finance", the only group that can open "Payroll"/,
      );
      assert.ok(await f.deps.store.getMember(grace.id));
      // A key the bridge also holds is not lost with its last member.
      const lee = await createMember(
        f.deps,
        memberInput({ email: 'lee@acme.test', userName: 'lee@acme.test' }),
      );
      const ops = await createGroup(f.deps, { displayName: 'Ops', externalId: null }, [lee.id]);
      await grantGroupVault(f, {
        groupId: ops.id,
        publicKey: 'pk-o',
        sealedForProvisioning: 'bridge',
        vaultId: 'v-10',
        vaultName: 'Runbooks',
        sealedVaultKey: 'sealed',
        at: LATER,
      });
      await f.deps.store.addGroupKeyShares([
        { groupId: ops.id, memberId: lee.id, sealedPrivateKey: 's', createdAt: LATER },
      ]);
      await removeMember(f.deps, CLI, lee.id);
    });

    test('getPerson: groups, key holding, vault access, invitation and own activity, by id or e-mail', async () => {
      const eng = await createGroup(f.deps, { displayName: 'Eng', externalId: null }, [grace.id]);
      await grantGroupVault(f, {
        groupId: eng.id,
        publicKey: 'pk-eng',
        vaultId: 'v-1',
        vaultName: 'Ledger',
        sealedVaultKey: 'sealed',
        at: LATER,
      });
      await suspendMember(f.deps, CLI, kim.id);
      const detail = await getPerson(f.deps, 'Grace@Acme.test');
      assert.equal(detail.member.id, grace.id);
      assert.deepEqual(detail.groups.map((g) => [g.displayName, g.kind, g.managed, g.holdsKey]).sort(), [
        ['Eng', 'custom', true, false],
        ['Team Members', 'team_members', false, false],
      ]);
      assert.deepEqual(detail.vaults, [
        { id: 'v-1', name: 'Ledger', throughGroups: ['Eng'], opens: false, permission: 'manage' },
      ]);
      assert.equal(detail.invitation?.status, 'open');
      // Through two groups, the page shows the higher of their levels (P18).
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
        permission: 'edit',
        createdAt: LATER,
      });
      await f.deps.store.setVaultGrantPermission('v-1', eng.id, 'view');
      const [ledger] = (await getPerson(f.deps, grace.id)).vaults;
      assert.equal(ledger?.permission, 'edit');
      assert.deepEqual(ledger?.throughGroups.sort(), ['Eng', 'Team Members']);
      await f.deps.store.setVaultGrantPermission('v-1', eng.id, 'manage');
      await f.deps.store.setVaultGrantPermission('v-1', f.teamMembers.id, 'view');
      assert.equal((await getPerson(f.deps, grace.id)).vaults[0]?.permission, 'manage');
      assert.deepEqual(
        detail.activity.map((e) => e.action),
        ['member.invited'],
      );
      const byId = await getPerson(f.deps, kim.id);
      assert.deepEqual(
        byId.activity.map((e) => e.action),
        ['member.suspended', 'member.invited'],
      );
      assert.equal(byId.invitation?.status, 'revoked');
      assert.equal(await errorCode(() => getPerson(f.deps, 'nobody')), 'member_not_found');
    });
  });
}
