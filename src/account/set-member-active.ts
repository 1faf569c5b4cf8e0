/**
 * The IdP deactivates or reactivates a user and says nothing else (P14, P15): the SCIM PATCH
 * `active` that every IdP sends to deprovision. The effect is that of `updateMember` with the
 * member as stored and only `active` changed — suspension, invitation revocation,
 * reactivation with a fresh invitation, recreation of a new person (P15), activity and the
 * version bump all come from the same rules — but in one call, without the bridge first
 * reading the member to send it back whole. A leaver's access ends one round trip sooner.
 */

import type { MemberInput } from './client.ts';
import type { AccountDeps } from './deps.ts';
import { requireWritableMember } from './member-rules.ts';
import type { Member } from './model.ts';
import { addressNamedBy, EMAIL_SHAPE } from './profile-address.ts';
import { describeMember } from './update-member.ts';

export function setMemberActive(
  deps: AccountDeps,
  id: string,
  active: boolean,
  expectedVersion?: number,
): Promise<Member> {
  return deps.store.transaction(async (tx) => {
    const existing = await requireWritableMember(tx, id, expectedVersion);
    // Already so: nothing is written and the version stays, as for a PATCH that changes
    // nothing. Going through `applyMemberChange` here would not be the same: with the
    // pending address as input it re-sends an expired e-mail change link.
    if (active === (existing.state !== 'suspended')) return existing;
    return describeMember(deps, tx, existing, unchangedExceptActive(existing, active));
  });
}

/**
 * The member as the IdP last described them, with `active` changed. Names, userName,
 * externalId and profile are the stored ones (every IdP write sets them together). The
 * address only matters when a suspended member is reactivated (an inactive description
 * never touches the address, and an active member was returned above), and then it must be
 * the one the IdP last sent, even if the account kept the old one while the member was
 * suspended: reactivation under another address is a new person (P15).
 */
function unchangedExceptActive(member: Member, active: boolean): MemberInput {
  return {
    userName: member.userName,
    email: addressInProfile(member) ?? member.pendingEmail ?? member.email,
    externalId: member.externalId,
    displayName: member.displayName,
    givenName: member.givenName,
    familyName: member.familyName,
    active,
    profile: member.profile,
  };
}

/**
 * The address in the stored SCIM profile, chosen as the bridge chooses it from a User
 * (`profile-address.ts`). An address of another shape fails the bridge's whole update;
 * here the account's own address stands in, since only `active` is being changed.
 */
function addressInProfile(member: Member): string | undefined {
  const chosen = addressNamedBy(member.profile.emails, member.userName);
  return chosen !== undefined && EMAIL_SHAPE.test(chosen) ? chosen : undefined;
}
