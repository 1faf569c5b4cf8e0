/** The groups every account has from its first start (P19); provisioning may not rename, delete or fill them. */
import type { GroupKind } from './model.ts';

export const BUILT_IN_GROUPS: ReadonlyArray<{ kind: Exclude<GroupKind, 'custom'>; displayName: string }> = [
  { kind: 'owners', displayName: 'Owners' },
  { kind: 'administrators', displayName: 'Administrators' },
  { kind: 'team_members', displayName: 'Team Members' },
  { kind: 'provision_managers', displayName: 'Provision Managers' },
];

const BUILT_IN_NAMES = new Set(BUILT_IN_GROUPS.map((group) => group.displayName.toLowerCase()));

/** Case-insensitive, like group names themselves. */
export function isBuiltInGroupName(displayName: string): boolean {
  return BUILT_IN_NAMES.has(displayName.toLowerCase());
}
