/**
 * (P10) Safe to race: the version-checked member write comes first, so a second watcher
 * writes nothing (no second e-mail); groups are read after it and every key the bridge holds
 * must come with a share, else the bridge retries.
 */
import { enqueueMail, recordActivity } from './activity.ts';
import { type AdminActor, recordAdminActivity } from './admin-rules.ts';
import type { ConfirmMemberInput, ConfirmOutcome, GroupKeyInfo, PendingConfirmation } from './client.ts';
import { type AccountDeps, nowIso } from './deps.ts';
import { AccountError } from './errors.ts';
import {
  assertBatch,
  assertId,
  assertLimit,
  assertOptionalId,
  assertSealed,
  bridgeMayHoldKey,
} from './key-chain-rules.ts';
import { requireAccount } from './member-rules.ts';
import type { Group, GroupKey, Member } from './model.ts';
import type { KeyedGroupRef, StoreOps } from './store.ts';

const keyInfo = (key: GroupKey | undefined): GroupKeyInfo | null =>
  key === undefined
    ? null
    : { groupId: key.groupId, publicKey: key.publicKey, sealedForProvisioning: key.sealedForProvisioning };

async function requireTeamMembers(ops: StoreOps): Promise<Group> {
  const group = await ops.findGroupByKind('team_members');
  if (group === undefined)
    throw new AccountError('account_missing', 'the built-in group Team Members is missing');
  return group;
}

function sharedGroups(groups: readonly KeyedGroupRef[], teamMembers: KeyedGroupRef): KeyedGroupRef[] {
  const shared = groups.filter(bridgeMayHoldKey);
  if (!shared.some((group) => group.groupId === teamMembers.groupId)) shared.unshift(teamMembers);
  return shared;
}

/** For the console: which keys an administrator must (or may) pass on. */
export async function confirmationGroupsOf(
  ops: StoreOps,
  memberId: string,
): Promise<{ required: KeyedGroupRef[]; optional: KeyedGroupRef[] }> {
  const ofMember = (await ops.listKeyedGroupsOfMembers([memberId])).get(memberId) ?? [];
  const teamMembers = ofMember.find((group) => group.kind === 'team_members') ?? (await teamMembersRef(ops));
  const required = sharedGroups(ofMember, teamMembers);
  const ids = new Set(required.map((group) => group.groupId));
  // Other keyed groups (custom groups off the managed list): their keys go along when given.
  return {
    required,
    optional: ofMember.filter((group) => !ids.has(group.groupId) && group.key !== undefined),
  };
}

async function teamMembersRef(ops: StoreOps): Promise<KeyedGroupRef> {
  const group = await requireTeamMembers(ops);
  const [key] = await ops.getGroupKeys([group.id]);
  return { groupId: group.id, displayName: group.displayName, kind: group.kind, managed: group.managed, key };
}

export async function listPendingConfirmations(
  deps: AccountDeps,
  page: { afterMemberId?: string; limit: number },
): Promise<PendingConfirmation[]> {
  const limit = assertLimit(page.limit);
  const afterMemberId = assertOptionalId('afterMemberId', page.afterMemberId);
  const rows = await deps.store.listPendingMembers({ limit, ...(afterMemberId ? { afterMemberId } : {}) });
  if (rows.length === 0) return [];
  const [groups, teamMembers] = await Promise.all([
    deps.store.listKeyedGroupsOfMembers(rows.map((row) => row.member.id)),
    teamMembersRef(deps.store),
  ]);
  return rows.map(({ member, publicKey }) => ({
    memberId: member.id,
    email: member.email,
    displayName: member.displayName,
    version: member.version,
    role: member.role,
    publicKey,
    groups: sharedGroups(groups.get(member.id) ?? [], teamMembers).map((group) => ({
      groupId: group.groupId,
      displayName: group.displayName,
      key: keyInfo(group.key),
    })),
  }));
}

class Changed extends Error {}

/** `by`: an administrator confirming by hand; otherwise the bridge's watcher. */
export async function confirmMember(
  deps: AccountDeps,
  input: ConfirmMemberInput,
  settings: { accountUrl: string },
  by?: AdminActor,
): Promise<{ outcome: ConfirmOutcome }> {
  const memberId = assertId('memberId', input?.memberId);
  if (!Number.isInteger(input.expectedVersion)) {
    throw new AccountError('invalid_input', 'expectedVersion must be a whole number');
  }
  assertBatch('shares', input.shares);
  const supplied = new Map<string, string>();
  for (const share of input.shares) {
    supplied.set(
      assertId('groupId', share?.groupId),
      assertSealed('sealedPrivateKey', share?.sealedPrivateKey),
    );
  }
  try {
    return await deps.store.transaction(async (tx) => {
      const member = await tx.getMember(memberId);
      if (member === undefined) return { outcome: 'not_pending' as const };
      if (member.state === 'active') return { outcome: 'already_confirmed' as const };
      if (member.state !== 'pending' || member.scimDeleted) return { outcome: 'not_pending' as const };
      if (member.role === 'guest' && by === undefined) {
        throw new AccountError(
          'member_protected',
          'guests are confirmed by an administrator, not by provisioning',
        );
      }
      if (member.version !== input.expectedVersion) throw new Changed();
      const now = nowIso(deps);
      const confirmed: Member = {
        ...member,
        state: 'active',
        confirmedAt: now,
        updatedAt: now,
        version: member.version + 1,
      };
      // First write: it takes the member's row, so a racing confirmation waits here and then fails the check.
      if (!(await tx.updateMember(confirmed, member.version))) throw new Changed();

      const ofMember = (await tx.listKeyedGroupsOfMembers([member.id])).get(member.id) ?? [];
      // Every invited member joined Team Members; one who somehow left it joins it again now.
      let teamMembers = ofMember.find((group) => group.kind === 'team_members');
      if (teamMembers === undefined) {
        teamMembers = await teamMembersRef(tx);
        await tx.addGroupMembers(teamMembers.groupId, [member.id]);
      }
      const groups = sharedGroups(ofMember, teamMembers);
      const shares = [];
      for (const group of groups) {
        const sealed = supplied.get(group.groupId);
        if (sealed === undefined || group.key === undefined) throw new Changed();
        shares.push({
          groupId: group.groupId,
          memberId: member.id,
          sealedPrivateKey: sealed,
          createdAt: now,
        });
      }
      // Keys the bridge does not hold: taken when an administrator confirming by hand gives them, never from the bridge.
      const required = new Set(groups.map((group) => group.groupId));
      for (const group of by === undefined ? [] : ofMember) {
        const sealed = supplied.get(group.groupId);
        if (required.has(group.groupId) || sealed === undefined || group.key === undefined) continue;
        shares.push({
          groupId: group.groupId,
          memberId: member.id,
          sealedPrivateKey: sealed,
          createdAt: now,
        });
      }
      await tx.addGroupKeyShares(shares);

      const account = await requireAccount(tx);
      await enqueueMail(deps, tx, now, member.email, 'account_ready', {
        memberId: member.id,
        accountName: account.name,
        ...(member.displayName ? { displayName: member.displayName } : {}),
        link: settings.accountUrl,
      });
      const target = { targetType: 'member', targetId: member.id } as const;
      if (by === undefined)
        await recordActivity(deps, tx, now, 'member.confirmed', target, { groups: shares.length });
      else
        await recordAdminActivity(deps, tx, now, by, 'member.confirmed', target, {
          groups: shares.length,
          byHand: true,
        });
      return { outcome: 'confirmed' as const };
    });
  } catch (error) {
    if (error instanceof Changed) return { outcome: 'changed' };
    throw error;
  }
}
