/**
 * An administrator adds a person to a custom group, or removes one, in the console (issue 11).
 * Only custom groups the IdP does not manage: a managed group's members come from the IdP
 * (a change here would be undone by its next push), and built-in groups keep theirs — nobody
 * joins Provision Managers (P19).
 *
 * Adding a confirmed person to a group that has a key pair must give them the group's key at
 * once, as the bridge does when the IdP adds someone: the administrator's browser opens it
 * with their own share and seals it for the person (`share`); the membership and the share
 * are written together or not at all. `addition` tells the page whether a key goes with it.
 * Removing a person takes their share with the membership (the store cascades it).
 */
import { type AdminActor, recordAdminActivity } from './admin-rules.ts';
import { type AccountDeps, nowIso } from './deps.ts';
import { AccountError } from './errors.ts';
import { bumpGroup, findGroup } from './group-rules.ts';
import { assertSealed } from './key-chain-rules.ts';
import type { Group, Member } from './model.ts';
import type { StoreOps } from './store.ts';

/** Refuses groups whose members are not an administrator's to change here. */
export function assertMembersChangeable(group: Group): void {
  if (group.kind === 'provision_managers')
    throw new AccountError(
      'group_protected',
      'Provision Managers belongs to the provisioning integration: nobody can be added to it or removed from it.',
    );
  if (group.kind !== 'custom')
    throw new AccountError(
      'group_protected',
      `${group.displayName} is a built-in group: its members are not changed here.`,
    );
  if (group.managed)
    throw new AccountError(
      'group_protected',
      `The IdP manages ${group.displayName}: change its members in the IdP, which would undo a change made here.`,
    );
}

async function requireGroup(ops: StoreOps, id: string): Promise<Group> {
  const group = await findGroup(ops, id);
  if (group === undefined) throw new AccountError('group_not_found', 'There is no such group (any more).');
  return group;
}

async function requirePersonByEmail(ops: StoreOps, email: string): Promise<Member> {
  const text = email.trim();
  if (text === '' || text.length > 320 || !text.includes('@'))
    throw new AccountError('invalid_input', 'Enter the e-mail address of a person on this account.');
  const member = await ops.findMemberByEmail(text);
  if (member === undefined || member.scimDeleted)
    throw new AccountError('invalid_input', `Nobody on this account has the address ${text}.`);
  return member;
}

export interface Addition {
  group: Group;
  member: Member;
  /** The group has a key pair and the person is confirmed: the key must go with them. */
  needsKey: boolean;
  /** The person's public key, when a key goes with them. */
  publicKey: string | null;
  /** The administrator holds a share of the group's key. */
  held: boolean;
}

/** What adding `email` to the group involves; refuses (changing nothing) what cannot be done. */
export async function addition(
  store: StoreOps,
  adminId: string,
  groupId: string,
  email: string,
): Promise<Addition> {
  const group = await requireGroup(store, groupId);
  assertMembersChangeable(group);
  const member = await requirePersonByEmail(store, email);
  if ((await store.filterGroupMembers(group.id, [member.id])).length > 0)
    throw new AccountError('invalid_input', `${member.email} is in ${group.displayName} already.`);
  const [key] = await store.getGroupKeys([group.id]);
  const keys = await store.getMemberKeys(member.id);
  const needsKey = key !== undefined && member.state === 'active' && keys !== undefined;
  const held = (await store.listGroupKeySharesOfMember(adminId)).some((share) => share.groupId === group.id);
  return { group, member, needsKey, publicKey: needsKey ? keys!.publicKey : null, held };
}

export function addGroupMember(
  deps: AccountDeps,
  actor: AdminActor,
  input: { groupId: string; email: string; share?: unknown },
): Promise<Member> {
  return deps.store.transaction(async (tx) => {
    const found = await addition(tx, actor.memberId ?? '', input.groupId, input.email);
    const { group, member } = found;
    const now = nowIso(deps);
    await bumpGroup(tx, group, now);
    await tx.addGroupMembers(group.id, [member.id]);
    if (found.needsKey) {
      if (input.share === undefined)
        throw new AccountError(
          'invalid_input',
          `${member.email} is confirmed, so ${group.displayName}'s key must go with them: add them with your password.`,
        );
      const sealedPrivateKey = assertSealed('share', input.share);
      await tx.addGroupKeyShares([
        { groupId: group.id, memberId: member.id, sealedPrivateKey, createdAt: now },
      ]);
    }
    await recordAdminActivity(
      deps,
      tx,
      now,
      actor,
      'group.members_changed',
      { targetType: 'group', targetId: group.id },
      {
        added: 1,
        removed: 0,
        memberId: member.id,
        withKey: found.needsKey,
      },
    );
    return member;
  });
}

export function removeGroupMember(
  deps: AccountDeps,
  actor: AdminActor,
  input: { groupId: string; memberId: string },
): Promise<void> {
  return deps.store.transaction(async (tx) => {
    const group = await requireGroup(tx, input.groupId);
    assertMembersChangeable(group);
    if ((await tx.filterGroupMembers(group.id, [input.memberId])).length === 0)
      throw new AccountError('invalid_input', `That person is not in ${group.displayName} (any more).`);
    const now = nowIso(deps);
    await bumpGroup(tx, group, now);
    await tx.removeGroupMembers(group.id, [input.memberId]);
    await recordAdminActivity(
      deps,
      tx,
      now,
      actor,
      'group.members_changed',
      { targetType: 'group', targetId: group.id },
      {
        added: 0,
        removed: 1,
        memberId: input.memberId,
      },
    );
  });
}
