/**
 * The IdP creates a user (P9). Either a new person is invited, or an existing member is
 * matched and becomes managed without an invitation, or a member the IdP suspended or
 * deleted earlier comes back.
 *
 * Returning users must never be stuck behind a 409: members deleted through SCIM are
 * invisible to the IdP's `userName eq` lookup, so when it re-creates them (Okta and Entra
 * do on re-assignment) they are revived under their old id. A visible, managed member with
 * the same userName, however, is a real duplicate and gets 409 `uniqueness`
 * (RFC 7644 §3.3): the IdP's own lookup would have found it, and Okta's conformance suite
 * requires exactly that answer when a user is created twice. So is a new userName with the
 * address of a visible managed member: matching by e-mail (P9) is for members provisioning
 * does not manage yet.
 */

import { recordActivity } from './activity.ts';
import { applyMemberChange } from './apply-member-change.ts';
import type { MemberInput } from './client.ts';
import { type AccountDeps, nowIso } from './deps.ts';
import { AccountError } from './errors.ts';
import { issueInvitation } from './invitations.ts';
import {
  assertDomainAllowed,
  assertManageable,
  assertMemberText,
  differentIdentities,
  isRecreation,
  memberUniquenessError,
  requireAccount,
} from './member-rules.ts';
import type { Account, Member } from './model.ts';
import { recreateMember } from './recreate-member.ts';
import type { StoreOps } from './store.ts';

export async function createMember(deps: AccountDeps, input: MemberInput): Promise<Member> {
  assertMemberText(input);
  return deps.store.transaction(async (tx) => {
    const now = nowIso(deps);
    const account = await requireAccount(tx);
    const { byUserName, byEmail } = await tx.findMembersByUserNameOrEmail(input.userName, input.email);
    if (byUserName !== undefined && byEmail !== undefined && byUserName.id !== byEmail.id) {
      throw new AccountError(
        'email_taken',
        `the userName ${input.userName} and the e-mail address ${input.email} belong to two different members`,
      );
    }
    const existing = byUserName ?? byEmail;
    if (existing === undefined) return inviteMember(deps, tx, account, input, now);

    assertManageable(existing);
    if (differentIdentities(existing.externalId, input.externalId)) {
      throw new AccountError(
        byUserName !== undefined ? 'user_name_taken' : 'email_taken',
        `member ${existing.id} already uses this ${byUserName !== undefined ? 'userName' : 'e-mail address'} ` +
          `and belongs to another identity-provider user (externalId ${existing.externalId})`,
      );
    }
    // P9 matches by e-mail only members provisioning does not manage yet. The address of a
    // managed member the IdP can still see (active or suspended) is taken: matching would hand
    // that member to another IdP user (RFC 7644 §3.3). One the IdP deleted may come back.
    if (byUserName === undefined && existing.managed && !existing.scimDeleted) {
      throw new AccountError(
        'email_taken',
        `the e-mail address ${input.email} belongs to member ${existing.id}, which the identity provider manages under another userName`,
      );
    }
    if (existing.scimDeleted || existing.state === 'suspended') {
      if (isRecreation(existing, input)) return recreateMember(deps, tx, account, existing, input, now);
      return applyMemberChange(deps, tx, async () => account, existing, input, now, 'member.restored');
    }
    if (existing.managed && byUserName !== undefined) {
      throw new AccountError(
        'user_name_taken',
        `a member with the userName ${input.userName} already exists`,
      );
    }
    return applyMemberChange(deps, tx, async () => account, existing, input, now, 'member.matched');
  });
}

async function inviteMember(
  deps: AccountDeps,
  tx: StoreOps,
  account: Account,
  input: MemberInput,
  now: string,
): Promise<Member> {
  assertDomainAllowed(account, input.email);
  const teamMembers = await tx.findGroupByKind('team_members');
  if (teamMembers === undefined) {
    throw new AccountError('account_missing', 'the built-in group Team Members is missing');
  }
  const member: Member = {
    id: deps.ids(),
    userName: input.userName,
    email: input.email,
    externalId: input.externalId,
    displayName: input.displayName,
    givenName: input.givenName,
    familyName: input.familyName,
    state: input.active ? 'invited' : 'suspended',
    role: 'member',
    managed: true,
    scimDeleted: false,
    profile: input.profile,
    pendingEmail: null,
    signedUpAt: null,
    confirmedAt: null,
    suspendedAt: input.active ? null : now,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  try {
    await tx.insertMember(member);
  } catch (error) {
    memberUniquenessError(error, input);
  }
  // Team Members is what later grants the base vault, so every new person joins it.
  await tx.addGroupMembers(teamMembers.id, [member.id]);
  const target = { targetType: 'member', targetId: member.id } as const;
  if (input.active) {
    await issueInvitation(deps, tx, account, member, now, true);
    await recordActivity(deps, tx, now, 'member.invited', target, { userName: member.userName });
  } else {
    // Created inactive: kept for the IdP, but nobody is invited until it is activated.
    await recordActivity(deps, tx, now, 'member.created_suspended', target, { userName: member.userName });
  }
  return member;
}
