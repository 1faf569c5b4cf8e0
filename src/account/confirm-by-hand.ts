/**
 * Confirming a pending member by hand (issue 11, P10) when no bridge runs: the administrator's
 * browser opens the keys of the member's groups with the administrator's own shares and
 * seals them for the member; the shares then go through `confirmMember`, the watcher's own
 * use case, so the state change, the single "account ready" e-mail and the version check are
 * the same. The account never sees a group key in the clear.
 *
 * An administrator can only pass on keys they hold: Team Members once they are confirmed,
 * and the groups they are members of. `readHandConfirmation` says which groups they lack,
 * before any password is typed, so the page can name them and change nothing.
 */
import type { AdminActor } from './admin-rules.ts';
import { confirmationGroupsOf, confirmMember } from './confirm-member.ts';
import { type AccountDeps, signupSettings } from './deps.ts';
import { AccountError } from './errors.ts';
import type { Member } from './model.ts';
import { readMemberKeyRing } from './vaults.ts';

export interface HandConfirmationGroup {
  groupId: string;
  displayName: string;
  /** The group has a key pair (a bridge makes them). */
  hasKey: boolean;
  /** The administrator holds a share of it. */
  held: boolean;
  /** Confirmation needs it (Team Members, managed groups); other keys go along when held. */
  required: boolean;
}

export interface HandConfirmation {
  member: Member;
  /** The member's public key; null when they have not signed up with keys. */
  publicKey: string | null;
  groups: HandConfirmationGroup[];
  /** The administrator's own key ring (all sealed); undefined when they have no key pair. */
  ring: Awaited<ReturnType<typeof readMemberKeyRing>>;
}

export async function readHandConfirmation(
  deps: AccountDeps,
  adminId: string,
  memberId: string,
): Promise<HandConfirmation> {
  const member = await deps.store.getMember(memberId);
  if (member === undefined) throw new AccountError('member_not_found', 'There is no such person (any more).');
  const [keys, groups, ring] = await Promise.all([
    deps.store.getMemberKeys(memberId),
    confirmationGroupsOf(deps.store, memberId),
    readMemberKeyRing(deps.store, adminId),
  ]);
  const held = new Set((ring?.shares ?? []).map((share) => share.groupId));
  const entry = (required: boolean) => (group: (typeof groups.required)[number]) => ({
    groupId: group.groupId,
    displayName: group.displayName,
    hasKey: group.key !== undefined,
    held: held.has(group.groupId),
    required,
  });
  return {
    member,
    publicKey: keys?.publicKey ?? null,
    groups: [...groups.required.map(entry(true)), ...groups.optional.map(entry(false))],
    ring,
  };
}

/** The groups whose keys the administrator's browser seals: every required one, and the others they hold. */
export function groupsToSeal(found: HandConfirmation): HandConfirmationGroup[] {
  return found.groups.filter((group) => group.required || group.held);
}

/** The first reason the administrator cannot confirm this member, in words for the page; undefined when they can. */
export function handConfirmationProblem(found: HandConfirmation): string | undefined {
  if (found.member.state !== 'pending' || found.member.scimDeleted)
    return 'Only a person waiting to be confirmed can be confirmed.';
  if (found.publicKey === null)
    return 'They have no key pair: send them a new invitation and let them sign up again.';
  if (found.ring === undefined)
    return 'You have no key pair yourself, so you hold no group key: set up your password from your invitation first.';
  const needed = found.groups.filter((group) => group.required);
  const keyless = needed.filter((group) => !group.hasKey).map((group) => group.displayName);
  if (keyless.length > 0)
    return `${keyless.join(', ')} has no key pair yet. The bridge makes it the first time it runs with its token: start the bridge once, and it confirms this person itself.`;
  const missing = needed.filter((group) => !group.held).map((group) => group.displayName);
  if (missing.length > 0)
    return `You do not hold the key of ${missing.join(', ')}, so you cannot pass it on. Someone who is a member of ${missing.length === 1 ? 'that group' : 'those groups'} can confirm them here, or start the bridge, which holds the keys of Team Members and the managed groups and confirms them itself.`;
  return undefined;
}

export async function confirmByHand(
  deps: AccountDeps,
  actor: AdminActor,
  memberId: string,
  input: { expectedVersion: unknown; shares: unknown },
): Promise<'confirmed' | 'already_confirmed'> {
  if (!Array.isArray(input.shares) || typeof input.expectedVersion !== 'number') {
    throw new AccountError(
      'invalid_input',
      'The confirmation must carry the sealed group keys and the version.',
    );
  }
  const { outcome } = await confirmMember(
    deps,
    { memberId, expectedVersion: input.expectedVersion, shares: input.shares },
    signupSettings(deps),
    actor,
  );
  if (outcome === 'confirmed' || outcome === 'already_confirmed') return outcome;
  if (outcome === 'not_pending')
    throw new AccountError(
      'invalid_input',
      'This person is not waiting to be confirmed (any more): nothing was changed.',
    );
  throw new AccountError(
    'version_mismatch',
    'This person or their groups changed while you were confirming, so nothing was changed. Reload the page and confirm again.',
  );
}
