/**
 * The IdP replaces or patches a user (P13–P15). The bridge has already merged the SCIM
 * request into a whole `MemberInput`; this decides what that means for the member.
 */

import { applyMemberChange } from './apply-member-change.ts';
import type { MemberInput } from './client.ts';
import { type AccountDeps, nowIso } from './deps.ts';
import {
  assertManageable,
  assertMemberText,
  isRecreation,
  requireAccount,
  requireWritableMember,
} from './member-rules.ts';
import type { Member } from './model.ts';
import { recreateMember } from './recreate-member.ts';
import type { StoreOps } from './store.ts';

export async function updateMember(
  deps: AccountDeps,
  id: string,
  input: MemberInput,
  expectedVersion?: number,
): Promise<Member> {
  // Only what the IdP sends now is judged: `setMemberActive` passes stored values through
  // `describeMember`, and a leaver is suspended whatever their stored name holds.
  assertMemberText(input);
  return deps.store.transaction(async (tx) =>
    describeMember(deps, tx, await requireWritableMember(tx, id, expectedVersion), input),
  );
}

/**
 * The IdP's new description of a stored member, inside the caller's transaction: a new
 * person (P15) is recreated, anything else is applied as an update. `setMemberActive` comes
 * here too, with the stored description and only `active` changed.
 */
export async function describeMember(
  deps: AccountDeps,
  tx: StoreOps,
  existing: Member,
  input: MemberInput,
): Promise<Member> {
  assertManageable(existing);
  const now = nowIso(deps);
  if (isRecreation(existing, input)) {
    return recreateMember(deps, tx, await requireAccount(tx), existing, input, now);
  }
  return applyMemberChange(deps, tx, () => requireAccount(tx), existing, input, now, 'member.updated');
}
