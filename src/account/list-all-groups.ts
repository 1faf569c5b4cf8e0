/**
 * Every group as an administrator sees it (issue 11): built-in and custom, managed or not,
 * each with its member count, in creation order (the built-in groups first). SCIM's list
 * (`list-groups.ts`) shows only the managed ones. Accounts have tens or hundreds of groups,
 * so this reads them all; each count is one index range.
 */
import type { AccountDeps } from './deps.ts';
import type { Group } from './model.ts';

export interface GroupSummary {
  group: Group;
  memberCount: number;
}

const PAGE = 500;

export async function listAllGroups(
  deps: AccountDeps,
  options: { managed?: boolean } = {},
): Promise<GroupSummary[]> {
  const groups: Group[] = [];
  for (let startIndex = 1; ; startIndex += PAGE) {
    const page = await deps.store.listGroups({
      startIndex,
      count: PAGE,
      managedOnly: options.managed === true,
    });
    groups.push(...page.items);
    if (page.items.length < PAGE) break;
  }
  const chosen = options.managed === false ? groups.filter((group) => !group.managed) : groups;
  return Promise.all(
    chosen.map(async (group) => ({ group, memberCount: await deps.store.countGroupMembers(group.id) })),
  );
}
