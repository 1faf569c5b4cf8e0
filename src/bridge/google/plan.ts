/** What a sync would change, computed before any write (pure): invites, e-mail matches (P9), updates (P13), suspensions (P14), reactivations, managed groups (P17). */
import type { GroupInput, MemberInput, MemberView } from '../../account/client.ts';
import type { Group } from '../../account/model.ts';
import type { GoogleGroup, GoogleUser } from './directory.ts';

export interface DirectorySnapshot {
  /** Every user of the customer, by Google id. */
  users: Map<string, GoogleUser>;
  /** The synced groups with their members' Google ids (users only). */
  groups: Array<{ group: GoogleGroup; memberIds: string[] }>;
}

export interface AccountSnapshot {
  members: MemberView[];
  /** Managed groups with their members' ids. */
  groups: Array<{ group: Group; memberIds: string[] }>;
  /** Owners: never managed by provisioning (P16), so never in a plan. */
  protectedIds: ReadonlySet<string>;
}

export type SuspendReason = 'suspended in Google' | 'deleted in Google' | 'not in a synced group';

export interface PlannedMember {
  email: string;
  name: string | null;
  googleId: string | null;
  memberId: string | null;
  /** What the member becomes (absent for suspensions, which change only `active`). */
  input?: MemberInput;
  reason?: SuspendReason;
}

export interface PlannedGroup {
  name: string;
  googleId: string;
  groupId: string | null;
  input: GroupInput;
  /** Google ids of the members the group should have. */
  googleMemberIds: string[];
  added: number;
  removed: number;
  renamed: boolean;
}

export interface SyncPlan {
  invite: PlannedMember[];
  match: PlannedMember[];
  update: PlannedMember[];
  emailChange: PlannedMember[];
  suspend: PlannedMember[];
  reactivate: PlannedMember[];
  groupsCreate: PlannedGroup[];
  groupsChange: PlannedGroup[];
  /** Members not suspended now: what the mass-suspension guard measures against. */
  activeMembers: number;
}

export type PlanCounts = { [K in Exclude<keyof SyncPlan, 'activeMembers'>]: number } & {
  activeMembers: number;
};

export function countsOf(plan: SyncPlan): PlanCounts {
  return {
    invite: plan.invite.length,
    match: plan.match.length,
    update: plan.update.length,
    emailChange: plan.emailChange.length,
    suspend: plan.suspend.length,
    reactivate: plan.reactivate.length,
    groupsCreate: plan.groupsCreate.length,
    groupsChange: plan.groupsChange.length,
    activeMembers: plan.activeMembers,
  };
}

export function memberInputOf(user: GoogleUser): MemberInput {
  const displayName = user.fullName ?? ([user.givenName, user.familyName].filter(Boolean).join(' ') || null);
  const name: Record<string, string> = {};
  if (user.givenName) name.givenName = user.givenName;
  if (user.familyName) name.familyName = user.familyName;
  if (displayName) name.formatted = displayName;
  return {
    userName: user.primaryEmail,
    email: user.primaryEmail,
    externalId: user.id,
    displayName,
    givenName: user.givenName,
    familyName: user.familyName,
    active: !user.suspended,
    profile: {
      userName: user.primaryEmail,
      externalId: user.id,
      ...(displayName ? { displayName } : {}),
      ...(Object.keys(name).length > 0 ? { name } : {}),
      emails: [{ value: user.primaryEmail, type: 'work', primary: true }],
      active: !user.suspended,
    },
  };
}

const lower = (value: string): string => value.toLowerCase();

export function planSync(directory: DirectorySnapshot, account: AccountSnapshot): SyncPlan {
  const plan: SyncPlan = {
    invite: [],
    match: [],
    update: [],
    emailChange: [],
    suspend: [],
    reactivate: [],
    groupsCreate: [],
    groupsChange: [],
    activeMembers: account.members.filter(
      (member) => member.state !== 'suspended' && !account.protectedIds.has(member.id),
    ).length,
  };
  const byExternalId = new Map<string, MemberView>();
  const byAddress = new Map<string, MemberView>();
  for (const member of account.members) {
    if (account.protectedIds.has(member.id)) continue;
    if (member.externalId) byExternalId.set(member.externalId, member);
    byAddress.set(lower(member.email), member);
    byAddress.set(lower(member.userName), member);
  }

  const wanted = new Set<string>();
  for (const { memberIds } of directory.groups) {
    for (const id of memberIds) if (directory.users.has(id)) wanted.add(id);
  }
  const claimed = new Set<string>();
  const memberOfGoogleId = new Map<string, string>();
  for (const googleId of [...wanted].sort()) {
    const user = directory.users.get(googleId) as GoogleUser;
    const input = memberInputOf(user);
    const entry = (member: MemberView | undefined): PlannedMember => ({
      email: user.primaryEmail,
      name: input.displayName,
      googleId,
      memberId: member?.id ?? null,
      input,
    });
    const known = byExternalId.get(googleId);
    const member = known ?? byAddress.get(lower(user.primaryEmail));
    if (member === undefined || claimed.has(member.id)) {
      if (!user.suspended) plan.invite.push(entry(undefined));
      continue;
    }
    claimed.add(member.id);
    memberOfGoogleId.set(googleId, member.id);
    if (user.suspended) {
      if (member.state !== 'suspended')
        plan.suspend.push({ ...entry(member), reason: 'suspended in Google' });
      continue;
    }
    if (known === undefined) plan.match.push(entry(member));
    else if (lower(member.userName) !== lower(user.primaryEmail)) plan.emailChange.push(entry(member));
    else if (
      member.displayName !== input.displayName ||
      member.givenName !== input.givenName ||
      member.familyName !== input.familyName
    ) {
      plan.update.push(entry(member));
    }
    if (member.state === 'suspended') plan.reactivate.push(entry(member));
  }

  for (const member of account.members) {
    if (claimed.has(member.id) || member.state === 'suspended' || account.protectedIds.has(member.id))
      continue;
    const reason: SuspendReason =
      member.externalId !== null &&
      !directory.users.has(member.externalId) &&
      looksLikeGoogleId(member.externalId)
        ? 'deleted in Google'
        : member.externalId !== null && directory.users.get(member.externalId)?.suspended
          ? 'suspended in Google'
          : 'not in a synced group';
    plan.suspend.push({
      email: member.email,
      name: member.displayName,
      googleId: member.externalId,
      memberId: member.id,
      reason,
    });
  }

  const groupByExternalId = new Map<string, { group: Group; memberIds: string[] }>();
  const groupByName = new Map<string, { group: Group; memberIds: string[] }>();
  for (const entry of account.groups) {
    if (entry.group.externalId) groupByExternalId.set(entry.group.externalId, entry);
    groupByName.set(lower(entry.group.displayName), entry);
  }
  for (const { group, memberIds } of directory.groups) {
    const googleMemberIds = [...new Set(memberIds.filter((id) => wanted.has(id)))].sort();
    const existing = groupByExternalId.get(group.id) ?? groupByName.get(lower(group.name));
    const input: GroupInput = { displayName: group.name, externalId: group.id };
    if (existing === undefined) {
      plan.groupsCreate.push({
        name: group.name,
        googleId: group.id,
        groupId: null,
        input,
        googleMemberIds,
        added: googleMemberIds.length,
        removed: 0,
        renamed: false,
      });
      continue;
    }
    const now = new Set(existing.memberIds);
    const target = new Set<string>();
    let added = 0;
    for (const id of googleMemberIds) {
      const memberId = memberOfGoogleId.get(id);
      if (memberId === undefined) added++;
      else {
        target.add(memberId);
        if (!now.has(memberId)) added++;
      }
    }
    const removed = [...now].filter((id) => !target.has(id)).length;
    const renamed = existing.group.displayName !== group.name || existing.group.externalId !== group.id;
    if (added > 0 || removed > 0 || renamed) {
      plan.groupsChange.push({
        name: group.name,
        googleId: group.id,
        groupId: existing.group.id,
        input,
        googleMemberIds,
        added,
        removed,
        renamed,
      });
    }
  }
  return plan;
}

/** Google's user ids are long decimal numbers; anything else came from another IdP. */
function looksLikeGoogleId(value: string): boolean {
  return /^\d{6,30}$/.test(value);
}
