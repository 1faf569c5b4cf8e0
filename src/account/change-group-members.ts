/**
 * (P17, P22) One transaction per request: a PATCH/PUT is atomic (RFC 7644 §3.5.2). The first
 * write bumps the group row, whose lock serialises concurrent PATCHes to one group (research
 * E20); a request that changes nothing is rolled back and keeps the version.
 */

import { recordActivity } from './activity.ts';
import type { GroupInput, MembershipChange } from './client.ts';
import { type AccountDeps, nowIso } from './deps.ts';
import { AccountError } from './errors.ts';
import { admitAdditions, admitRemovals } from './group-membership.ts';
import { assertGroupNameFree, groupUniquenessError, requireChangeableGroup } from './group-rules.ts';
import { membersByIds } from './member-lookup.ts';
import { isProtectedMember } from './member-rules.ts';
import type { Group } from './model.ts';
import type { StoreOps } from './store.ts';

const REPLACE_PAGE = 1000;
/** Attempts to take the group row when other writers keep winning the race. */
const LOCK_ATTEMPTS = 4;

interface Outcome {
  added: number;
  removed: number;
  skipped: string[];
}

class NothingChanged extends Error {
  constructor(
    readonly group: Group,
    readonly skipped: string[],
  ) {
    super('nothing changed');
  }
}

export async function changeGroupMembers(
  deps: AccountDeps,
  id: string,
  change: MembershipChange,
  expectedVersion?: number,
  attributes?: GroupInput,
): Promise<Group> {
  try {
    return await deps.store.transaction(async (tx) => {
      const now = nowIso(deps);
      const { before, after } = await lockGroup(tx, id, expectedVersion, now, attributes);
      const outcome =
        change.replaceWith !== undefined
          ? await replaceMembers(tx, id, change.replaceWith)
          : await addAndRemove(tx, id, change.add ?? [], change.remove ?? []);
      const attributesChanged =
        after.displayName !== before.displayName || after.externalId !== before.externalId;
      if (outcome.added + outcome.removed === 0 && !attributesChanged) {
        throw new NothingChanged(before, outcome.skipped);
      }
      const target = { targetType: 'group', targetId: id } as const;
      if (after.displayName !== before.displayName) {
        await recordActivity(deps, tx, now, 'group.renamed', target, {
          from: before.displayName,
          to: after.displayName,
        });
      } else if (attributesChanged) {
        await recordActivity(deps, tx, now, 'group.updated', target, { externalId: after.externalId });
      }
      if (outcome.added + outcome.removed > 0) {
        await recordActivity(deps, tx, now, 'group.members_changed', target, {
          added: outcome.added,
          removed: outcome.removed,
        });
      }
      if (outcome.skipped.length > 0) await recordSkipped(deps, tx, now, id, outcome.skipped);
      return after;
    });
  } catch (error) {
    if (!(error instanceof NothingChanged)) throw error;
    if (error.skipped.length > 0) {
      const skipped = error.skipped;
      await deps.store.transaction((tx) => recordSkipped(deps, tx, nowIso(deps), id, skipped));
    }
    return error.group;
  }
}

async function lockGroup(
  tx: StoreOps,
  id: string,
  expectedVersion: number | undefined,
  now: string,
  attributes: GroupInput | undefined,
): Promise<{ before: Group; after: Group }> {
  for (let attempt = 1; ; attempt++) {
    const group = await requireChangeableGroup(tx, id);
    if (expectedVersion !== undefined && group.version !== expectedVersion) {
      throw new AccountError(
        'version_mismatch',
        `group ${id} is at version ${group.version}, not ${expectedVersion}`,
      );
    }
    const bumped: Group = { ...group, version: group.version + 1, updatedAt: now };
    if (attributes !== undefined) {
      if (attributes.displayName !== group.displayName) {
        await assertGroupNameFree(tx, attributes.displayName, id);
      }
      bumped.displayName = attributes.displayName;
      bumped.externalId = attributes.externalId;
    }
    let written: boolean;
    try {
      written = await tx.updateGroup(bumped, group.version);
    } catch (error) {
      groupUniquenessError(error, bumped.displayName);
    }
    if (written) return { before: group, after: bumped };
    // Lost the race; without an expected version the change applies to whatever is current.
    if (attempt === LOCK_ATTEMPTS) {
      throw new AccountError('version_mismatch', `group ${id} keeps changing; try again`);
    }
  }
}

async function addAndRemove(
  tx: StoreOps,
  groupId: string,
  add: readonly string[],
  remove: readonly string[],
): Promise<Outcome> {
  const additions = await admitAdditions(tx, add);
  const removals = await admitRemovals(tx, groupId, remove);
  const removed = removals.admitted.length > 0 ? await tx.removeGroupMembers(groupId, removals.admitted) : 0;
  const added = additions.admitted.length > 0 ? await tx.addGroupMembers(groupId, additions.admitted) : 0;
  return { added, removed, skipped: [...additions.skipped, ...removals.skipped] };
}

async function replaceMembers(
  tx: StoreOps,
  groupId: string,
  replaceWith: readonly string[],
): Promise<Outcome> {
  const additions = await admitAdditions(tx, replaceWith);
  const wanted = new Set(additions.admitted);
  // Owners and guests the IdP lists: only worth a note if they are not in the group already.
  const skippedAdditions = new Set(additions.skipped);
  const skippedRemovals: string[] = [];
  const alreadyIn = new Set<string>();
  let removed = 0;
  let afterMemberId: string | undefined;
  for (;;) {
    const page = await tx.listGroupMembers(groupId, { afterMemberId, limit: REPLACE_PAGE });
    if (page.length === 0) break;
    const leaving: string[] = [];
    for (const ref of page) {
      if (wanted.has(ref.id)) alreadyIn.add(ref.id);
      else if (!skippedAdditions.delete(ref.id)) leaving.push(ref.id);
    }
    if (leaving.length > 0) {
      // Owners and guests already in the group stay in it (P16).
      const roles = await membersByIds(tx, leaving, { includeScimDeleted: true });
      const removable: string[] = [];
      for (const memberId of leaving) {
        const member = roles.get(memberId);
        if (member !== undefined && isProtectedMember(member)) skippedRemovals.push(memberId);
        else removable.push(memberId);
      }
      // Keyset paging goes on after the last id of this page, so removing rows of it is safe.
      if (removable.length > 0) removed += await tx.removeGroupMembers(groupId, removable);
    }
    if (page.length < REPLACE_PAGE) break;
    afterMemberId = page[page.length - 1]!.id;
  }
  const joining = additions.admitted.filter((memberId) => !alreadyIn.has(memberId));
  const added = joining.length > 0 ? await tx.addGroupMembers(groupId, joining) : 0;
  return { added, removed, skipped: [...skippedAdditions, ...skippedRemovals] };
}

function recordSkipped(
  deps: AccountDeps,
  tx: StoreOps,
  now: string,
  groupId: string,
  memberIds: string[],
): Promise<void> {
  return recordActivity(
    deps,
    tx,
    now,
    'group.members_skipped',
    { targetType: 'group', targetId: groupId },
    {
      memberIds,
      reason: 'owners and guests cannot be managed by provisioning',
    },
  );
}
