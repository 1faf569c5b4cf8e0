/**
 * Rules shared by the administrators' use cases (issue 11): who acted, whom an administrator
 * may suspend or delete, and how a person is named on a command line. The IdP's use cases
 * have their own rules (`member-rules.ts`): provisioning suspends where an administrator
 * deletes, and may not touch what an administrator may.
 */
import { recordActivity } from './activity.ts';
import type { AccountDeps } from './deps.ts';
import { AccountError } from './errors.ts';
import type { ActivityEntry, Member } from './model.ts';
import type { StoreOps } from './store.ts';

/** Who did it, for the activity log. */
export interface AdminActor {
  /** The signed-in administrator's member id; null on the command line, which has no sign-in (whoever runs it can open the database). */
  memberId: string | null;
  /** How the activity log names them: the administrator's e-mail, or e.g. "command line (user ops)". */
  name: string;
}

/** An activity entry by an administrator: `by` and `byMemberId` name them. */
export function recordAdminActivity(
  deps: AccountDeps,
  ops: StoreOps,
  at: string,
  actor: AdminActor,
  action: string,
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

/** A member named by id or by e-mail address (any case); every member, suspended or deleted by the IdP included. */
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

/** Writes an administrator's change of `existing`; refused when someone changed it in between. */
export async function writeAdminMemberChange(ops: StoreOps, existing: Member, next: Member): Promise<void> {
  if (!(await ops.updateMember(next, existing.version))) {
    throw new AccountError('version_mismatch', `${existing.email} was changed by someone else; try again`);
  }
}

export type AdminMemberAction = 'suspend' | 'reactivate' | 'delete';

/**
 * Whom an administrator may suspend, reactivate or delete: not the owner (the account's
 * break-glass sign-in), not themselves (no administrator locks themselves out), and — for
 * suspension and reactivation — no one the IdP manages: the IdP would undo it on its next
 * push, so that change is made in the IdP (P14). Deleting a managed member is allowed: it is
 * the administrator's act that provisioning never performs.
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
