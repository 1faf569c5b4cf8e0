/**
 * The IdP renames a group or changes its externalId (P17). Built-in groups keep their names
 * (P19). A rename is a group change without members: `changeGroupMembers` holds the one copy
 * of the name rules, the version-checked write and the activity entries, which a SCIM PATCH
 * that renames and changes members in one request needs as well.
 */

import { changeGroupMembers } from './change-group-members.ts';
import type { GroupInput } from './client.ts';
import type { AccountDeps } from './deps.ts';
import type { Group } from './model.ts';

const NO_MEMBERS = {};

export function updateGroup(
  deps: AccountDeps,
  id: string,
  input: GroupInput,
  expectedVersion?: number,
): Promise<Group> {
  return changeGroupMembers(deps, id, NO_MEMBERS, expectedVersion, input);
}
