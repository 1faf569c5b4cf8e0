/** A group as SCIM sees it: only managed groups are visible to the IdP (P17). */
import type { AccountDeps } from './deps.ts';
import { AccountError } from './errors.ts';
import type { Group } from './model.ts';

export async function getGroup(deps: AccountDeps, id: string): Promise<Group> {
  const group = await deps.store.getGroup(id);
  if (group === undefined || !group.managed)
    throw new AccountError('group_not_found', `no group with id ${id}`);
  return group;
}
