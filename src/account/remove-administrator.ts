/**
 * The owner takes a person out of Administrators. Their sessions end in the same transaction,
 * so an open console tab gets the sign-in page on its next request, and an appointment later
 * revives none of them. Sessions are not told apart by kind, so their member-page sessions end
 * too, as after a password change. The owner keeps the console through Owners and is refused;
 * so is removing the last holder of Administrators' key while a vault only it opens exists.
 */
import { type AdminActor, recordAdminActivity, requirePerson } from './admin-rules.ts';
import {
  AdministratorError,
  assertNoVaultLostWithout,
  assertOwnerActs,
  requireAdministratorsGroup,
} from './administrator-rules.ts';
import { type AccountDeps, nowIso } from './deps.ts';
import { bumpGroup } from './group-rules.ts';
import type { Member } from './model.ts';

export function removeAdministrator(
  deps: AccountDeps,
  actor: AdminActor,
  ref: string,
): Promise<{ member: Member; endedSessions: number }> {
  return deps.store.transaction(async (tx) => {
    await assertOwnerActs(tx, actor);
    const member = await requirePerson(tx, ref);
    if (member.role === 'owner')
      throw new AdministratorError(
        'is_owner',
        `${member.email} is the account's owner: the owner cannot be removed from Owners, here or anywhere.`,
      );
    const group = await requireAdministratorsGroup(tx);
    if ((await tx.filterGroupMembers(group.id, [member.id])).length === 0)
      throw new AdministratorError('not_administrator', `${member.email} is not an administrator.`);
    await assertNoVaultLostWithout(tx, group, member);
    const now = nowIso(deps);
    await bumpGroup(tx, group, now);
    await tx.removeGroupMembers(group.id, [member.id]);
    const endedSessions = await tx.deleteSessionsOfMember(member.id);
    await recordAdminActivity(
      deps,
      tx,
      now,
      actor,
      'member.administrator_removed',
      { targetType: 'member', targetId: member.id },
      { email: member.email, endedSessions },
    );
    return { member, endedSessions };
  });
}
