/** Members as SCIM lists them: filtered and paged in the store, without members deleted through SCIM. */
import type { AccountDeps } from './deps.ts';
import type { Member } from './model.ts';
import type { MemberListQuery, Page, StoredMember } from './store.ts';

export function listMembers(deps: AccountDeps, query: MemberListQuery): Promise<Page<Member>> {
  return deps.store.listMembers({ ...query, excludeScimDeleted: true });
}

/**
 * The same page with each profile left as the stored JSON text, for the account API: it
 * writes the profiles into its answer as they are instead of parsing and re-encoding them
 * (see api/member-json.ts). The in-process client keeps `listMembers`.
 */
export function listMembersAsStored(deps: AccountDeps, query: MemberListQuery): Promise<Page<StoredMember>> {
  return deps.store.listMembersAsStored({ ...query, excludeScimDeleted: true });
}
