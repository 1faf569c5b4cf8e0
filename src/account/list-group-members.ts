/** One keyset page of a visible group's members (DESIGN.md, "Storage": never the whole list at once). */
import type { AccountDeps } from './deps.ts';
import { getGroup } from './get-group.ts';
import type { GroupMemberRef } from './model.ts';

/**
 * The visibility check runs on the first page only: later pages come from a caller that was
 * already allowed to see the first, and each check would cost a query per page.
 */
export async function listGroupMembers(
  deps: AccountDeps,
  id: string,
  page: { afterMemberId?: string; limit: number },
): Promise<GroupMemberRef[]> {
  if (page.afterMemberId === undefined) await getGroup(deps, id);
  return deps.store.listGroupMembers(id, page);
}
