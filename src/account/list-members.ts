/** Members as SCIM lists them: filtered and paged in the store, without members deleted through SCIM. */
import type { AccountDeps } from './deps.ts';
import type { Member } from './model.ts';
import type { MemberListQuery, Page } from './store.ts';

export function listMembers(deps: AccountDeps, query: MemberListQuery): Promise<Page<Member>> {
  return deps.store.listMembers({ ...query, excludeScimDeleted: true });
}
