/** The groups every account has from its first start (P19); provisioning may not rename, delete or fill them. */
import type { GroupKind } from './model.ts';
import { groupNameKey } from './text-rules.ts';

export const BUILT_IN_GROUPS: ReadonlyArray<{ kind: Exclude<GroupKind, 'custom'>; displayName: string }> = [
  { kind: 'owners', displayName: 'Owners' },
  { kind: 'administrators', displayName: 'Administrators' },
  { kind: 'team_members', displayName: 'Team Members' },
  { kind: 'provision_managers', displayName: 'Provision Managers' },
];

const BUILT_IN_NAMES = new Set(BUILT_IN_GROUPS.map((group) => groupNameKey(group.displayName)));

/** Compared as group names are (`groupNameKey`): "OWNERS" and fullwidth "Ｏwners" are Owners. */
export function isBuiltInGroupName(displayName: string): boolean {
  return BUILT_IN_NAMES.has(groupNameKey(displayName));
}
