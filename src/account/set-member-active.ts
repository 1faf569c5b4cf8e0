/** (P14, P15) Same rules as `updateMember`, in one call: a leaver's access ends one round trip sooner. */

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
    // Not via `applyMemberChange`: with the pending address it would re-send an expired link.
    if (active === (existing.state !== 'suspended')) return existing;
    return describeMember(deps, tx, existing, unchangedExceptActive(existing, active));
  });
}

/** The address must be the IdP's last one: reactivation under another address is a new person (P15). */
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

/** Chosen as the bridge does; a malformed one falls back to the account's, since only `active` changes. */
function addressInProfile(member: Member): string | undefined {
  const chosen = addressNamedBy(member.profile.emails, member.userName);
  return chosen !== undefined && EMAIL_SHAPE.test(chosen) ? chosen : undefined;
}
