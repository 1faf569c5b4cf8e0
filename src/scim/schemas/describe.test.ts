import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AttrPath } from '../filter/ast.ts';
import { describeAttribute, indexResourceType, subAttributeOf } from './describe.ts';
import { GROUP_RESOURCE_TYPE, USER_RESOURCE_TYPE } from './resource-types.ts';
import { ENTERPRISE_USER_URN, USER_URN } from './urns.ts';

describe('describeAttribute', () => {
  const cases: Array<{ path: AttrPath; name: string | undefined; type?: string }> = [
    { path: { attr: 'userName' }, name: 'userName', type: 'string' },
    { path: { attr: 'USERNAME' }, name: 'userName' },
    { path: { attr: 'id' }, name: 'id' },
    { path: { attr: 'ExternalId' }, name: 'externalId' },
    { path: { attr: 'meta', sub: 'LASTMODIFIED' }, name: 'lastModified', type: 'dateTime' },
    { path: { attr: 'name', sub: 'givenName' }, name: 'givenName' },
    { path: { attr: 'emails', sub: 'Value' }, name: 'value' },
    { path: { attr: 'emails', sub: 'primary' }, name: 'primary', type: 'boolean' },
    { path: { attr: 'groups', sub: '$ref' }, name: '$ref', type: 'reference' },
    { path: { schema: USER_URN, attr: 'userName' }, name: 'userName' },
    { path: { schema: USER_URN.toUpperCase(), attr: 'name', sub: 'familyName' }, name: 'familyName' },
    { path: { schema: ENTERPRISE_USER_URN, attr: 'manager', sub: 'value' }, name: 'value' },
    { path: { schema: ENTERPRISE_USER_URN.toLowerCase(), attr: 'EMPLOYEENUMBER' }, name: 'employeeNumber' },
    // A bare extension URN parses as schema "…:2.0" + attr "User": the whole extension.
    {
      path: { schema: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0', attr: 'user' },
      name: ENTERPRISE_USER_URN,
      type: 'complex',
    },
    // Unqualified names fall back to the one extension that defines them.
    { path: { attr: 'department' }, name: 'department' },
    { path: { attr: 'nope' }, name: undefined },
    { path: { attr: 'userName', sub: 'x' }, name: undefined },
    { path: { attr: 'name', sub: 'nope' }, name: undefined },
    { path: { schema: 'urn:example:other:2.0:User', attr: 'userName' }, name: undefined },
    { path: { schema: ENTERPRISE_USER_URN, attr: 'userName' }, name: undefined },
  ];
  for (const { path, name, type } of cases) {
    test(`${JSON.stringify(path)} → ${name}`, () => {
      const def = describeAttribute(USER_RESOURCE_TYPE, path);
      assert.equal(def?.name, name);
      if (type) assert.equal(def?.type, type);
    });
  }

  test('groups resolve members sub-attributes and do not see user attributes', () => {
    assert.equal(
      describeAttribute(GROUP_RESOURCE_TYPE, { attr: 'members', sub: 'VALUE' })?.mutability,
      'immutable',
    );
    assert.equal(describeAttribute(GROUP_RESOURCE_TYPE, { attr: 'displayname' })?.required, true);
    assert.equal(describeAttribute(GROUP_RESOURCE_TYPE, { attr: 'userName' }), undefined);
    assert.equal(describeAttribute(GROUP_RESOURCE_TYPE, { attr: 'department' }), undefined);
  });
});

describe('schema characteristics (RFC 7643 §8.7.1)', () => {
  const user = (path: AttrPath) => describeAttribute(USER_RESOURCE_TYPE, path);
  test('userName is required, server-unique and case-insensitive', () => {
    const def = user({ attr: 'userName' });
    assert.deepEqual([def?.required, def?.uniqueness, def?.caseExact], [true, 'server', false]);
  });
  test('id is readOnly, always returned, case-exact', () => {
    const def = user({ attr: 'id' });
    assert.deepEqual([def?.mutability, def?.returned, def?.caseExact], ['readOnly', 'always', true]);
  });
  test('password is writeOnly and never returned', () => {
    const def = user({ attr: 'password' });
    assert.deepEqual([def?.mutability, def?.returned], ['writeOnly', 'never']);
  });
  test('groups and every sub-attribute are readOnly', () => {
    const groups = user({ attr: 'groups' });
    assert.equal(groups?.mutability, 'readOnly');
    for (const sub of groups?.subAttributes ?? []) assert.equal(sub.mutability, 'readOnly', sub.name);
  });
  test('manager.displayName is readOnly', () => {
    assert.equal(
      user({ schema: ENTERPRISE_USER_URN, attr: 'manager', sub: 'displayName' })?.mutability,
      'readOnly',
    );
  });
  test('the core User schema carries every RFC 7643 §4.1 attribute', () => {
    const names = USER_RESOURCE_TYPE.schema.attributes.map((a) => a.name);
    assert.deepEqual(names, [
      'userName',
      'name',
      'displayName',
      'nickName',
      'profileUrl',
      'title',
      'userType',
      'preferredLanguage',
      'locale',
      'timezone',
      'active',
      'password',
      'emails',
      'phoneNumbers',
      'ims',
      'photos',
      'addresses',
      'groups',
      'entitlements',
      'roles',
      'x509Certificates',
    ]);
  });
  test('addresses has every component', () => {
    const subs = user({ attr: 'addresses' })?.subAttributes?.map((a) => a.name);
    assert.deepEqual(subs, [
      'formatted',
      'streetAddress',
      'locality',
      'region',
      'postalCode',
      'country',
      'type',
      'primary',
    ]);
  });
  test('members.type is limited to User and Group', () => {
    const members = describeAttribute(GROUP_RESOURCE_TYPE, { attr: 'members' });
    assert.ok(members);
    assert.deepEqual(subAttributeOf(members, 'TYPE')?.canonicalValues, ['User', 'Group']);
  });
  test('the index is built once per resource type', () => {
    assert.equal(indexResourceType(USER_RESOURCE_TYPE), indexResourceType(USER_RESOURCE_TYPE));
  });
});
