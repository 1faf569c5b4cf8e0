/**
 * What suspending and reactivating a member does besides the state, the same whether the IdP
 * or an administrator does it (P14): a suspended person can neither sign up nor stay signed
 * in, and one who comes back before signing up gets a working invitation again.
 */
import type { AccountDeps } from './deps.ts';
import { issueInvitation, revokeInvitations } from './invitations.ts';
import type { Account, Member } from './model.ts';
import type { StoreOps } from './store.ts';

export async function endAccessOfSuspended(ops: StoreOps, memberId: string, now: string): Promise<void> {
  // A link in their mailbox must not work (and a queued one is not sent), and a session must
  // not outlive the suspension: it would work again after a reactivation.
  await revokeInvitations(ops, memberId, now, 'the member was suspended');
  await ops.deleteSessionsOfMember(memberId);
}

export async function restoreAccessOfReactivated(
  deps: AccountDeps,
  ops: StoreOps,
  loadAccount: () => Promise<Pick<Account, 'name'>>,
  member: Member,
  now: string,
): Promise<void> {
  if (member.state === 'invited') await issueInvitation(deps, ops, await loadAccount(), member, now);
}
