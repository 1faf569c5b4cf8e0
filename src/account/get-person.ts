/**
 * A person as an administrator sees them (issue 11): the member, their groups (and whether
 * they hold each group's key yet), the vaults those groups open, their latest invitation and
 * their recent activity.
 */
import { requirePerson } from './admin-rules.ts';
import { type AccountDeps, nowIso } from './deps.ts';
import { type InvitationStatus, invitationStatus } from './invitations.ts';
import type { ActivityEntry, GroupKind, Member, VaultPermission } from './model.ts';
import { permits } from './vault-permission-rules.ts';

export interface PersonGroup {
  id: string;
  displayName: string;
  kind: GroupKind;
  managed: boolean;
  /** The member holds the group's key, so they can open what it grants (after confirmation). */
  holdsKey: boolean;
}

export interface PersonVault {
  id: string;
  name: string;
  /** The member's groups that the vault is granted to. */
  throughGroups: string[];
  /** True when the member holds the key of at least one of those groups. */
  opens: boolean;
  /** (P18) The highest level any of those groups is granted. */
  permission: VaultPermission;
}

export interface PersonDetail {
  member: Member;
  groups: PersonGroup[];
  vaults: PersonVault[];
  invitation: { status: InvitationStatus; createdAt: string; expiresAt: string } | null;
  /** Newest first. */
  activity: ActivityEntry[];
}

export const PERSON_ACTIVITY_LIMIT = 20;

export async function getPerson(deps: AccountDeps, ref: string): Promise<PersonDetail> {
  const store = deps.store;
  const member = await requirePerson(store, ref);
  const [keyed, shares, invitations, activity] = await Promise.all([
    store.listKeyedGroupsOfMembers([member.id]),
    store.listGroupKeySharesOfMember(member.id),
    store.listInvitations(member.id),
    store.listActivity({ limit: PERSON_ACTIVITY_LIMIT, targetId: member.id }),
  ]);
  const held = new Set(shares.map((share) => share.groupId));
  const groups = (keyed.get(member.id) ?? []).map((group) => ({
    id: group.groupId,
    displayName: group.displayName,
    kind: group.kind,
    managed: group.managed,
    holdsKey: held.has(group.groupId),
  }));
  const names = new Map(groups.map((group) => [group.id, group.displayName]));
  const vaults = new Map<string, PersonVault>();
  for (const grant of await store.listVaultGrantsOfGroups(groups.map((group) => group.id))) {
    const vault = vaults.get(grant.vaultId) ?? {
      id: grant.vaultId,
      name: grant.vaultName,
      throughGroups: [],
      opens: false,
      permission: grant.permission,
    };
    vault.throughGroups.push(names.get(grant.groupId) ?? grant.groupId);
    vault.opens ||= held.has(grant.groupId);
    if (permits(grant.permission, vault.permission)) vault.permission = grant.permission;
    vaults.set(grant.vaultId, vault);
  }
  const latest = invitations[0];
  return {
    member,
    groups,
    vaults: [...vaults.values()].sort((a, b) => a.name.localeCompare(b.name)),
    invitation:
      latest === undefined
        ? null
        : {
            status: invitationStatus(latest, nowIso(deps)),
            createdAt: latest.createdAt,
            expiresAt: latest.expiresAt,
          },
    activity,
  };
}
