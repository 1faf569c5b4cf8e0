/**
 * The request bodies the workloads send, shaped like what the IdPs really send
 * (../shared/research/idp-behaviour.md): Entra's user create with the enterprise extension,
 * Entra's one-member Add and legacy value-array Remove, Okta's lower-case batch add and
 * remove by `members[value eq "…"]` filter path.
 */
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

const DEPARTMENTS = ['Research', 'Sales', 'Support', 'Finance', 'Engineering', 'Legal', 'Marketing'];

export function benchUserName(index: number): string {
  return `bench.user${index}@contoso.example`;
}

/** Entra's create-user request (E3): `meta` and `roles: []` arrive too and must be ignored. */
export function entraCreateUser(index: number): string {
  const userName = benchUserName(index);
  const givenName = `Bench${index}`;
  return JSON.stringify({
    schemas: [USER_SCHEMA, ENTERPRISE_SCHEMA],
    externalId: `bench-user-${index}`,
    userName,
    active: true,
    displayName: `${givenName} User`,
    emails: [{ primary: true, type: 'work', value: userName }],
    meta: { resourceType: 'User' },
    name: { formatted: `${givenName} User`, familyName: 'User', givenName },
    roles: [],
    [ENTERPRISE_SCHEMA]: {
      employeeNumber: String(10000 + index),
      department: DEPARTMENTS[index % DEPARTMENTS.length],
    },
  });
}

export function createGroup(displayName: string, memberIds: readonly string[]): string {
  return JSON.stringify({
    schemas: [GROUP_SCHEMA],
    displayName,
    members: memberIds.map((value) => ({ value })),
  });
}

function patch(operations: unknown[]): string {
  return JSON.stringify({ schemas: [PATCH_SCHEMA], Operations: operations });
}

/** Entra E16: capitalised op, `$ref: null`. */
export function entraAddMember(memberId: string): string {
  return patch([{ op: 'Add', path: 'members', value: [{ $ref: null, value: memberId }] }]);
}

/** Entra E17 (legacy): Remove with `path: members` and a value array, not a filter. */
export function entraRemoveMember(memberId: string): string {
  return patch([{ op: 'Remove', path: 'members', value: [{ value: memberId }] }]);
}

/** Okta O11-style add: lower-case op, members with `display`, no `type`. */
export function oktaAddMembers(members: ReadonlyArray<{ id: string; display: string }>): string {
  return patch([
    { op: 'add', path: 'members', value: members.map(({ id, display }) => ({ value: id, display })) },
  ]);
}

/** Okta O11-style removal: one `members[value eq "…"]` operation per member. */
export function oktaRemoveMembers(memberIds: readonly string[]): string {
  return patch(memberIds.map((id) => ({ op: 'remove', path: `members[value eq "${id}"]` })));
}

/** Entra's deactivation, legacy (E9): string boolean, capitalised op. */
export function entraDeactivate(): string {
  return patch([{ op: 'Replace', path: 'active', value: 'False' }]);
}

export function userNameFilterPath(userName: string): string {
  return `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`;
}
