/**
 * An administrator deletes a member for good (issue 11, P14: the only way a member is ever
 * removed; the IdP's delete, `delete-member.ts`, only suspends). In one transaction:
 * - the member row goes, and with it their group memberships and the group-key shares those
 *   carry, their key pair, sign-in credential, sessions, invitations and e-mail change links;
 * - mail to them still waiting in the outbox is dropped (its links no longer work); sent and
 *   failed mail stays as the record of what was sent;
 * - the activity log keeps every entry about them and gains `member.deleted`, which names
 *   them (e-mail, name), since the row that did is gone.
 * Vaults are granted to groups, never to a member; but a group's key lives only in its
 * members' shares and, for groups the bridge may hold, in the provisioning seal. Deleting the
 * last holder of a key nobody else can open would lose every vault only that group opens, so
 * it is refused (suspending loses nothing). If the IdP still assigns the person, its next
 * request about them gets 404, and a new push creates a new member with a new invitation.
 */
import { type AdminActor, assertAdminMayChange, recordAdminActivity, requirePerson } from './admin-rules.ts';
import { type AccountDeps, nowIso } from './deps.ts';
import { AccountError } from './errors.ts';
import { vaultsLostWithLastShare } from './group-rules.ts';
import type { Member } from './model.ts';
import type { StoreOps } from './store.ts';

export function removeMember(deps: AccountDeps, actor: AdminActor, ref: string): Promise<Member> {
  return deps.store.transaction(async (tx) => {
    const member = await requirePerson(tx, ref);
    assertAdminMayChange(member, actor, 'delete');
    await assertNoVaultLostWith(tx, member);
    if (!(await tx.deleteMember(member.id))) {
      throw new AccountError('member_not_found', `${member.email} was deleted meanwhile`);
    }
    await recordAdminActivity(
      deps,
      tx,
      nowIso(deps),
      actor,
      'member.deleted',
      { targetType: 'member', targetId: member.id },
      {
        email: member.email,
        displayName: member.displayName,
        state: member.state,
        managed: member.managed,
      },
    );
    return member;
  });
}

async function assertNoVaultLostWith(ops: StoreOps, member: Member): Promise<void> {
  const shares = await ops.listGroupKeySharesOfMember(member.id);
  if (shares.length === 0) return;
  const keys = await ops.getGroupKeys(shares.map((share) => share.groupId));
  for (const key of keys) {
    if (key.sealedForProvisioning !== null) continue;
    const lost = await vaultsLostWithLastShare(ops, key.groupId);
    if (lost.length === 0) continue;
    const group = shares.find((share) => share.groupId === key.groupId)?.displayName ?? key.groupId;
    throw new AccountError(
      'member_protected',
      `${member.email} is the last member holding the key of "${group}", the only group that can open ` +
        `${lost.map((vault) => `"${vault.name}"`).join(', ')}; deleting them would lose ` +
        `${lost.length > 1 ? 'those vaults' : 'that vault'} for good. Suspend them instead, or first give the vault to another group`,
    );
  }
}
