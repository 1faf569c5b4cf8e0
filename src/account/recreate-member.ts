/**
 * P15: a suspended member whom the IdP reactivates under a different e-mail address is
 * treated as a new person. The IdP keeps addressing the same resource id, so the id stays
 * with the IdP's user and becomes a freshly invited member; the previous person moves to a
 * new id where their data waits, suspended and no longer managed, for an administrator.
 *
 * Memberships: groups an administrator granted (every group that is not managed, built-ins
 * included) belong to the previous person and move with them, so a new person never
 * inherits access by accident. Managed groups are the IdP's own statement about its user,
 * so those memberships stay with the id the IdP knows.
 */

import { recordActivity } from './activity.ts';
import type { MemberInput } from './client.ts';
import type { AccountDeps } from './deps.ts';
import { AccountError } from './errors.ts';
import { issueInvitation } from './invitations.ts';
import { assertDomainAllowed, assertEmailFree, memberUniquenessError, sameAddress } from './member-rules.ts';
import type { Account, Member } from './model.ts';
import type { StoreOps } from './store.ts';

export async function recreateMember(
  deps: AccountDeps,
  ops: StoreOps,
  account: Account,
  existing: Member,
  input: MemberInput,
  now: string,
): Promise<Member> {
  assertDomainAllowed(account, input.email);
  await assertEmailFree(ops, input.email, existing.id);
  const teamMembers = await ops.findGroupByKind('team_members');
  if (teamMembers === undefined) {
    throw new AccountError('account_missing', 'the built-in group Team Members is missing');
  }

  const detachedId = deps.ids();
  const fresh: Member = {
    id: existing.id,
    userName: input.userName,
    email: input.email,
    externalId: input.externalId,
    displayName: input.displayName,
    givenName: input.givenName,
    familyName: input.familyName,
    state: 'invited',
    role: 'member',
    managed: true,
    scimDeleted: false,
    profile: input.profile,
    pendingEmail: null,
    signedUpAt: null,
    confirmedAt: null,
    suspendedAt: null,
    createdAt: now,
    updatedAt: now,
    // Keeps rising for the resource id, so no old ETag can match the new person.
    version: existing.version + 1,
  };
  const detached: Member = {
    ...existing,
    id: detachedId,
    // userName is unique; the new person may keep using the same one.
    userName: sameAddress(existing.userName, input.userName)
      ? `${existing.userName}#${detachedId}`
      : existing.userName,
    externalId: null,
    managed: false,
    scimDeleted: false,
    state: 'suspended',
    suspendedAt: existing.suspendedAt ?? now,
    updatedAt: now,
    version: 1,
  };

  // The id's row changes first: that frees the old address for the detached copy.
  let written: boolean;
  try {
    written = await ops.updateMember(fresh, existing.version);
    if (written) await ops.insertMember(detached);
  } catch (error) {
    memberUniquenessError(error, input);
  }
  if (!written) {
    throw new AccountError(
      'version_mismatch',
      `member ${existing.id} was changed by someone else; read it again`,
    );
  }

  // The previous person's sealed keys and sign-in credential are theirs: they move with them.
  await ops.transferMemberSignup(existing.id, detachedId);

  const groups = (await ops.listGroupsOfMembers([existing.id])).get(existing.id) ?? [];
  for (const group of groups) {
    if (group.managed) continue;
    await ops.removeGroupMembers(group.id, [existing.id]);
    await ops.addGroupMembers(group.id, [detachedId]);
  }
  await ops.addGroupMembers(teamMembers.id, [existing.id]);

  await recordActivity(
    deps,
    ops,
    now,
    'member.detached',
    { targetType: 'member', targetId: detachedId },
    {
      previousMemberId: existing.id,
      reason: 'reactivated by the identity provider with a different e-mail address',
    },
  );
  await recordActivity(
    deps,
    ops,
    now,
    'member.invited',
    { targetType: 'member', targetId: existing.id },
    {
      replacesMemberId: detachedId,
    },
  );
  // Links sent to the previous person at this id die here: the id belongs to the new one.
  await issueInvitation(deps, ops, account, fresh, now);
  return fresh;
}
