/**
 * An administrator deletes a member for good (issue 11, P14: the only way a member is ever
 * removed; the IdP's delete, `delete-member.ts`, only suspends). In one transaction:
 * - the member row goes, and with it their group memberships and the group-key shares those
 *   carry, their key pair, sign-in credential, sessions, invitations and e-mail change links;
 * - mail to them still waiting in the outbox is dropped (its links no longer work); sent and
 *   failed mail stays as the record of what was sent;
 * - the activity log keeps every entry about them and gains `member.deleted`, which names
 *   them (e-mail, name), since the row that did is gone.
 * Vaults are granted to groups, never to a member, so no vault is lost with them. If the IdP
 * still assigns the person, its next request about them gets 404, and a new push creates a
 * new member with a new invitation.
 */
import { type AdminActor, assertAdminMayChange, recordAdminActivity, requirePerson } from './admin-rules.ts';
import { type AccountDeps, nowIso } from './deps.ts';
import { AccountError } from './errors.ts';
import type { Member } from './model.ts';

export function removeMember(deps: AccountDeps, actor: AdminActor, ref: string): Promise<Member> {
  return deps.store.transaction(async (tx) => {
    const member = await requirePerson(tx, ref);
    assertAdminMayChange(member, actor, 'delete');
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
