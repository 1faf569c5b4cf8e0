/**
 * The owner makes a person an administrator: they join the built-in Administrators group and
 * may sign in to the console. Only an active person who completed sign-up qualifies, so the
 * console never opens to someone who has no password yet. No key goes with it
 * (administrator-rules.ts).
 */
import { type AdminActor, recordAdminActivity, requirePerson } from './admin-rules.ts';
import {
  AdministratorError,
  assertOwnerActs,
  mayBeAppointed,
  requireAdministratorsGroup,
} from './administrator-rules.ts';
import { type AccountDeps, nowIso } from './deps.ts';
import { bumpGroup } from './group-rules.ts';
import type { Member } from './model.ts';

export function appointAdministrator(deps: AccountDeps, actor: AdminActor, ref: string): Promise<Member> {
  return deps.store.transaction(async (tx) => {
    await assertOwnerActs(tx, actor);
    const member = await requirePerson(tx, ref);
    if (member.role === 'owner')
      throw new AdministratorError(
        'is_owner',
        `${member.email} is the account's owner and uses the console as such already.`,
      );
    if (!mayBeAppointed(member))
      throw new AdministratorError(
        'not_appointable',
        `${member.email} is ${member.scimDeleted ? 'deleted in the IdP' : member.state}: only an active person who completed sign-up can be made an administrator.`,
      );
    const group = await requireAdministratorsGroup(tx);
    if ((await tx.filterGroupMembers(group.id, [member.id])).length > 0)
      throw new AdministratorError('already_administrator', `${member.email} is an administrator already.`);
    const now = nowIso(deps);
    await bumpGroup(tx, group, now);
    await tx.addGroupMembers(group.id, [member.id]);
    await recordAdminActivity(
      deps,
      tx,
      now,
      actor,
      'member.administrator_appointed',
      { targetType: 'member', targetId: member.id },
      { email: member.email },
    );
    return member;
  });
}
