/**
 * Applying a plan through the same account use cases as SCIM (AccountClient). Order matters
 * for safety: people are invited, matched, updated and reactivated first, then groups, and
 * suspensions come last, so a run cut short leaves nobody suspended who should not be. Each
 * step is idempotent against the next run's plan: a run that stops half-way is completed by
 * the next one, which reads both sides again.
 */
import type { AccountClient, MemberView } from '../../account/client.ts';
import { AccountError, type AccountErrorCode } from '../../account/errors.ts';
import type { PlannedGroup, PlannedMember, SyncPlan } from './plan.ts';

export type ChangeKind =
  | 'invite'
  | 'match'
  | 'update'
  | 'emailChange'
  | 'reactivate'
  | 'suspend'
  | 'groupsCreate'
  | 'groupsChange';

export const CHANGE_KINDS: readonly ChangeKind[] = [
  'invite',
  'match',
  'update',
  'emailChange',
  'reactivate',
  'groupsCreate',
  'groupsChange',
  'suspend',
];

export interface ApplyResult {
  done: Record<ChangeKind, number>;
  /** Changes the account refused (a protected owner or guest, a taken address): named, not retried. */
  refused: Array<{ kind: ChangeKind; who: string; code: string; message: string }>;
}

export type ApplyProgress = (kind: ChangeKind, done: number, total: number) => void;

/** Account errors that are about one person or group: reported, and the run goes on. */
const REFUSALS = new Set<AccountErrorCode>([
  'member_protected',
  'member_not_found',
  'email_taken',
  'user_name_taken',
  'domain_not_allowed',
  'invalid_input',
  'group_protected',
  'group_not_managed',
  'group_name_taken',
]);

export async function applyPlan(
  client: AccountClient,
  plan: SyncPlan,
  progress: ApplyProgress,
): Promise<ApplyResult> {
  const done = Object.fromEntries(CHANGE_KINDS.map((kind) => [kind, 0])) as Record<ChangeKind, number>;
  const refused: ApplyResult['refused'] = [];
  const memberOfGoogleId = new Map<string, string>();
  const total = CHANGE_KINDS.reduce((sum, kind) => sum + plan[kind].length, 0);
  let step = 0;

  const each = async <T extends PlannedMember | PlannedGroup>(
    kind: ChangeKind,
    items: readonly T[],
    who: (item: T) => string,
    work: (item: T) => Promise<void>,
  ): Promise<void> => {
    for (const item of items) {
      try {
        await work(item);
        done[kind]++;
      } catch (error) {
        if (!(error instanceof AccountError) || !REFUSALS.has(error.code)) throw error;
        refused.push({ kind, who: who(item), code: error.code, message: error.message });
      }
      progress(kind, ++step, total);
    }
  };
  const remember = (item: PlannedMember, member: MemberView): void => {
    if (item.googleId) memberOfGoogleId.set(item.googleId, member.id);
  };
  const person = (item: PlannedMember): string => item.email;
  const input = (item: PlannedMember) => {
    if (!item.input) throw new Error(`planned change for ${item.email} has no description`);
    return item.input;
  };

  await each('invite', plan.invite, person, async (item) =>
    remember(item, await client.createMember(input(item))),
  );
  await each('match', plan.match, person, async (item) => {
    try {
      remember(item, await client.createMember(input(item)));
    } catch (error) {
      // Provisioned before under this address without a Google id: the same person, updated.
      if (
        !(error instanceof AccountError) ||
        (error.code !== 'user_name_taken' && error.code !== 'email_taken')
      )
        throw error;
      remember(item, await client.updateMember(item.memberId as string, input(item)));
    }
  });
  await each('update', plan.update, person, async (item) =>
    remember(item, await client.updateMember(item.memberId as string, input(item))),
  );
  await each('emailChange', plan.emailChange, person, async (item) =>
    remember(item, await client.updateMember(item.memberId as string, input(item))),
  );
  await each('reactivate', plan.reactivate, person, async (item) =>
    remember(item, await client.setMemberActive(item.memberId as string, true)),
  );
  // Members the plan did not touch already carry their Google id as externalId.
  const unresolved = new Set<string>();
  for (const group of [...plan.groupsCreate, ...plan.groupsChange]) {
    for (const id of group.googleMemberIds) if (!memberOfGoogleId.has(id)) unresolved.add(id);
  }
  if (unresolved.size > 0) await resolveByExternalId(client, unresolved, memberOfGoogleId);
  const membersOf = (group: PlannedGroup): string[] =>
    group.googleMemberIds.flatMap((id) => {
      const memberId = memberOfGoogleId.get(id);
      return memberId === undefined ? [] : [memberId];
    });
  const groupName = (group: PlannedGroup): string => group.name;
  await each('groupsCreate', plan.groupsCreate, groupName, async (group) => {
    await client.createGroup(group.input, membersOf(group));
  });
  await each('groupsChange', plan.groupsChange, groupName, async (group) => {
    await client.changeGroupMembers(
      group.groupId as string,
      { replaceWith: membersOf(group) },
      undefined,
      group.input,
    );
  });
  await each('suspend', plan.suspend, person, async (item) => {
    await client.setMemberActive(item.memberId as string, false);
  });
  return { done, refused };
}

/** Finds members by externalId a page at a time (the Google ids of people already in the account). */
async function resolveByExternalId(
  client: AccountClient,
  googleIds: Set<string>,
  into: Map<string, string>,
): Promise<void> {
  for (let startIndex = 1; ; ) {
    const page = await client.listMembers({ startIndex, count: 1000 });
    for (const member of page.items) {
      if (member.externalId && googleIds.has(member.externalId)) into.set(member.externalId, member.id);
    }
    startIndex += page.items.length;
    if (page.items.length === 0 || startIndex > page.total) return;
  }
}
