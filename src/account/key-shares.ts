/**
 * Sharing a group's key with members who are already confirmed: when the IdP adds them to
 * a group (at once, in the same SCIM request), and in the watcher's sweep, which catches any
 * share a crash or a race left out. Shares go only to active members still in the group.
 */
import type { KeyShareInput, MissingKeyShare, MissingKeyShareQuery } from './client.ts';
import { type AccountDeps, nowIso } from './deps.ts';
import { assertBatch, assertId, assertLimit, assertSealed } from './key-chain-rules.ts';
import { membersByIds } from './member-lookup.ts';

export function findMissingKeyShares(
  deps: AccountDeps,
  query: MissingKeyShareQuery,
): Promise<MissingKeyShare[]> {
  if ('groupId' in query) {
    assertBatch('member ids', query.memberIds);
    return deps.store.findMissingKeyShares({
      groupId: assertId('groupId', query.groupId),
      memberIds: [...new Set(query.memberIds.map((id) => assertId('a member id', id)))],
    });
  }
  const after =
    query.after === undefined
      ? undefined
      : {
          memberId: assertId('after.memberId', query.after.memberId),
          groupId: assertId('after.groupId', query.after.groupId),
        };
  return deps.store.findMissingKeyShares({ limit: assertLimit(query.limit), ...(after ? { after } : {}) });
}

export function addKeyShares(deps: AccountDeps, shares: readonly KeyShareInput[]): Promise<number> {
  assertBatch('shares', shares);
  const checked = shares.map((share) => ({
    groupId: assertId('groupId', share?.groupId),
    memberId: assertId('memberId', share?.memberId),
    sealedPrivateKey: assertSealed('sealedPrivateKey', share?.sealedPrivateKey),
  }));
  if (checked.length === 0) return Promise.resolve(0);
  return deps.store.transaction(async (tx) => {
    const members = await membersByIds(tx, [...new Set(checked.map((share) => share.memberId))], {
      includeScimDeleted: false,
    });
    const now = nowIso(deps);
    // A member suspended or removed meanwhile gets nothing; the store keeps only live memberships.
    const live = checked
      .filter((share) => members.get(share.memberId)?.state === 'active')
      .map((share) => ({ ...share, createdAt: now }));
    return tx.addGroupKeyShares(live);
  });
}
