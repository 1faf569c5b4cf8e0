/** A member as SCIM sees them: members deleted through SCIM are gone for the IdP (P14). */
import type { AccountDeps } from './deps.ts';
import { AccountError } from './errors.ts';
import type { Member } from './model.ts';

export async function getMember(deps: AccountDeps, id: string): Promise<Member> {
  const member = await deps.store.getMember(id);
  if (member === undefined || member.scimDeleted) {
    throw new AccountError('member_not_found', `no member with id ${id}`);
  }
  return member;
}
