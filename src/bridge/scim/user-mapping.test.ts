import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Member } from '../../account/model.ts';
import { makeMember } from '../../storage/contract.ts';
import { MEMBER_COLUMNS, memberFromRow, memberValues } from '../../storage/rows.ts';
import { scimUserJson, topLevelKeys, toScimUser } from './user-mapping.ts';

const BASE = 'https://bridge.example.com/scim/v2';
const GROUPS = [{ id: 'g1', displayName: 'Sales "EU"' }];

/** A member as the SQLite store hands it out: the profile still as its stored JSON text. */
function stored(member: Member): Member {
  const names = MEMBER_COLUMNS.split(',').map((name) => name.trim());
  const values = memberValues(member);
  return memberFromRow(Object.fromEntries(names.map((name, i) => [name, values[i]])));
}

const PROFILES: Array<[string, Record<string, unknown>]> = [
  ['empty', {}],
  [
    'the enterprise extension and nested values',
    {
      displayName: 'Ann {Lee}',
      name: { givenName: 'Ann', familyName: 'Lee, "the" second', formatted: 'Ann Lee' },
      emails: [{ value: 'ann@example.com', primary: true, type: 'work' }],
      roles: [],
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': {
        employeeNumber: '7',
        manager: { value: 'm1' },
      },
    },
  ],
  ['escapes, unicode and literals', { title: 'a\\b "c" \n ü 😀 ]}', nickName: null, x509Certificates: [] }],
  [
    'a nested key that names the extension',
    { name: { 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': 1 } },
  ],
];

describe('scimUserJson', () => {
  for (const [label, profile] of PROFILES) {
    for (const variant of [
      { externalId: 'ext-1', state: 'active' as const },
      { externalId: null, state: 'suspended' as const },
    ]) {
      test(`writes what JSON.stringify(toScimUser) writes: ${label}, ${variant.state}`, () => {
        const member = stored(makeMember('u1', { profile, ...variant }));
        const json = scimUserJson(member, GROUPS, BASE);
        assert.notEqual(json, undefined, 'the fast path applies');
        const expected = JSON.stringify(
          toScimUser(stored(makeMember('u1', { profile, ...variant })), GROUPS, BASE),
        );
        assert.equal(json, expected);
      });
    }
  }

  test('is not used once the profile was read or replaced', () => {
    const read = stored(makeMember('u1', { profile: { title: 'x' } }));
    assert.equal(read.profile.title, 'x');
    assert.equal(scimUserJson(read, [], BASE), undefined);
    const replaced = stored(makeMember('u1', { profile: { title: 'x' } }));
    replaced.profile = { title: 'y' };
    assert.equal(scimUserJson(replaced, [], BASE), undefined);
    assert.equal(JSON.parse(JSON.stringify(toScimUser(replaced, [], BASE))).title, 'y');
  });

  test('is not used for a member whose profile was never text', () => {
    assert.equal(scimUserJson(makeMember('u1', { profile: { title: 'x' } }), [], BASE), undefined);
  });

  test('leaves profiles it cannot splice faithfully to the slow path', () => {
    for (const profile of [{ 10: 'reordered' }, { password: 'never returned' }, { active: 'clash' }]) {
      assert.equal(scimUserJson(stored(makeMember('u1', { profile })), [], BASE), undefined);
    }
  });
});

describe('topLevelKeys', () => {
  const cases: Array<[string, string[] | undefined]> = [
    ['{}', []],
    ['{"a":1,"b":"}","c":{"d":[1,{"e":"]"}]},"f":null}', ['a', 'b', 'c', 'f']],
    ['{"a":"x\\"y","b":true}', ['a', 'b']],
    ['{ "a": 1 }', undefined],
    ['{"a\\"b":1}', undefined],
    ['[1]', undefined],
    ['{"a":"unterminated}', undefined],
  ];
  for (const [text, keys] of cases) {
    test(text, () => assert.deepEqual(topLevelKeys(text), keys));
  }
});
