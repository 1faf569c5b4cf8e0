import { recordActivity } from './activity.ts';
import type { ActivityAction } from './activity-actions.ts';
import type { AccountDeps } from './deps.ts';
import { AccountError } from './errors.ts';
import type { ActivityEntry, Member } from './model.ts';
import type { StoreOps } from './store.ts';

export interface AdminActor {
  /** Null on the command line: whoever runs it can open the database anyway. */
  memberId: string | null;
  name: string;
}

export function recordAdminActivity(
  deps: AccountDeps,
  ops: StoreOps,
  at: string,
  actor: AdminActor,
  action: ActivityAction,
  target: Pick<ActivityEntry, 'targetType' | 'targetId'>,
  detail: Record<string, unknown> = {},
): Promise<void> {
  return recordActivity(
    deps,
    ops,
    at,
    action,
    target,
    { ...detail, by: actor.name, ...(actor.memberId === null ? {} : { byMemberId: actor.memberId }) },
    'admin',
  );
}

const EMAIL_LIKE = /@/;

/** Includes members suspended or deleted by the IdP. */
export async function findPerson(ops: StoreOps, ref: string): Promise<Member | undefined> {
  const text = ref.trim();
  if (text === '' || text.length > 320) return undefined;
  return EMAIL_LIKE.test(text) ? ops.findMemberByEmail(text) : ops.getMember(text);
}

export async function requirePerson(ops: StoreOps, ref: string): Promise<Member> {
  const member = await findPerson(ops, ref);
  if (member === undefined)
    throw new AccountError('member_not_found', `no member is known by "${ref.trim().slice(0, 320)}"`);
  return member;
}

export async function writeAdminMemberChange(ops: StoreOps, existing: Member, next: Member): Promise<void> {
  if (!(await ops.updateMember(next, existing.version))) {
    throw new AccountError('version_mismatch', `${existing.email} was changed by someone else; try again`);
  }
}

export type AdminMemberAction = 'suspend' | 'reactivate' | 'delete';

/**
 * Not the owner (break-glass), not oneself (no lock-out), and no suspending IdP-managed
 * members: the IdP would undo it (P14). Deleting them is allowed: provisioning never deletes.
 */
export function assertAdminMayChange(member: Member, actor: AdminActor, action: AdminMemberAction): void {
  if (member.role === 'owner') {
    throw new AccountError(
      'member_protected',
      `${member.email} is the account's owner and cannot be ${pastTense(action)}`,
    );
  }
  if (actor.memberId !== null && actor.memberId === member.id) {
    throw new AccountError('member_protected', `you cannot ${action} yourself; ask another administrator`);
  }
  if (action !== 'delete' && member.managed) {
    throw new AccountError(
      'member_protected',
      `${member.email} is managed by your identity provider: ${action} them there (assign or unassign the app, ` +
        'or deactivate the user), and provisioning will apply it',
    );
  }
}

function pastTense(action: AdminMemberAction): string {
  return action === 'suspend' ? 'suspended' : action === 'reactivate' ? 'reactivated' : 'deleted';
}
