/** Groups as SCIM lists them: only the managed ones (P17), filtered and paged in the store. */
import type { AccountDeps } from './deps.ts';
import type { Group } from './model.ts';
import type { GroupListQuery, Page } from './store.ts';

export function listGroups(deps: AccountDeps, query: GroupListQuery): Promise<Page<Group>> {
  return deps.store.listGroups({ ...query, managedOnly: true });
}
