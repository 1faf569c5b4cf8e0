/** Members as SCIM lists them: filtered and paged in the store, without members deleted through SCIM. */

import type { MemberView } from './client.ts';
import type { AccountDeps } from './deps.ts';
import type { MemberState } from './model.ts';
import type { MemberListQuery, Page, StoredMember } from './store.ts';

/**
 * A listed member whose profile is parsed only when read: the bridge writes a page of users
 * by copying each stored profile text (`profileJson`) into its answer, so most never are.
 */
export class ListedMember implements MemberView {
  readonly id: string;
  readonly userName: string;
  readonly email: string;
  readonly externalId: string | null;
  readonly displayName: string | null;
  readonly givenName: string | null;
  readonly familyName: string | null;
  readonly state: MemberState;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
  readonly profileJson: string;
  #profile: Record<string, unknown> | undefined;

  constructor(stored: StoredMember) {
    this.id = stored.id;
    this.userName = stored.userName;
    this.email = stored.email;
    this.externalId = stored.externalId;
    this.displayName = stored.displayName;
    this.givenName = stored.givenName;
    this.familyName = stored.familyName;
    this.state = stored.state;
    this.createdAt = stored.createdAt;
    this.updatedAt = stored.updatedAt;
    this.version = stored.version;
    this.profileJson = stored.profileJson;
  }

  get profile(): Record<string, unknown> {
    this.#profile ??= JSON.parse(this.profileJson) as Record<string, unknown>;
    return this.#profile;
  }
}

export async function listMembers(deps: AccountDeps, query: MemberListQuery): Promise<Page<ListedMember>> {
  const page = await listMembersAsStored(deps, query);
  return { ...page, items: page.items.map((stored) => new ListedMember(stored)) };
}

/**
 * The same page with each profile left as the stored JSON text, for the account API: it
 * writes the profiles into its answer as they are instead of parsing and re-encoding them
 * (see api/member-json.ts).
 */
export function listMembersAsStored(deps: AccountDeps, query: MemberListQuery): Promise<Page<StoredMember>> {
  return deps.store.listMembersAsStored({ ...query, excludeScimDeleted: true });
}
