import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AttrPath } from './filter/ast.ts';
import { parseAttrPathList } from './filter/parse.ts';
import { compileProjection, projectResource } from './projection.ts';
import { GROUP_RESOURCE_TYPE, USER_RESOURCE_TYPE } from './schemas/resource-types.ts';
import { ENTERPRISE_USER_URN, GROUP_URN, USER_URN } from './schemas/urns.ts';

const USER = {
  schemas: [USER_URN, ENTERPRISE_USER_URN],
  id: 'u1',
  externalId: 'ext-1',
  userName: 'ada@example.com',
  name: { givenName: 'Ada', familyName: 'Lovelace' },
  displayName: 'Ada Lovelace',
  active: true,
  password: 'must-never-leak',
  emails: [
    { value: 'ada@example.com', type: 'work', primary: true },
    { value: 'ada@home.example', type: 'home' },
  ],
  groups: [{ value: 'g1', display: 'Ops' }],
  [ENTERPRISE_USER_URN]: { department: 'R&D', manager: { value: 'm1', displayName: 'Boss' } },
  meta: {
    resourceType: 'User',
    created: '2024-01-01T00:00:00Z',
    version: 'W/"3"',
    location: 'https://x/Users/u1',
  },
};

const paths = (text: string): AttrPath[] => parseAttrPathList(text);
const project = (opts: { attributes?: string; excludedAttributes?: string }) =>
  projectResource(USER, USER_RESOURCE_TYPE, {
    attributes: opts.attributes === undefined ? undefined : paths(opts.attributes),
    excludedAttributes: opts.excludedAttributes === undefined ? undefined : paths(opts.excludedAttributes),
  });

describe('projection: default set', () => {
  test('password (returned never) is removed, everything else kept', () => {
    const { password: _dropped, ...rest } = USER;
    assert.deepEqual(project({}), rest);
  });
  test('a resource that needs no change is returned as is, without copying', () => {
    const { password: _dropped, ...clean } = USER;
    assert.equal(compileProjection(USER_RESOURCE_TYPE, {})(clean), clean);
  });
});

describe('projection: attributes', () => {
  const cases: Array<[string, Record<string, unknown>]> = [
    ['userName', { schemas: USER.schemas, id: 'u1', userName: 'ada@example.com' }],
    ['USERNAME', { schemas: USER.schemas, id: 'u1', userName: 'ada@example.com' }],
    ['id', { schemas: USER.schemas, id: 'u1' }],
    ['password', { schemas: USER.schemas, id: 'u1' }],
    ['name.givenName', { schemas: USER.schemas, id: 'u1', name: { givenName: 'Ada' } }],
    [
      'emails.value',
      {
        schemas: USER.schemas,
        id: 'u1',
        emails: [{ value: 'ada@example.com' }, { value: 'ada@home.example' }],
      },
    ],
    ['name.givenName,name', { schemas: USER.schemas, id: 'u1', name: USER.name }],
    ['meta.version', { schemas: USER.schemas, id: 'u1', meta: { version: 'W/"3"' } }],
    [
      ENTERPRISE_USER_URN,
      { schemas: USER.schemas, id: 'u1', [ENTERPRISE_USER_URN]: USER[ENTERPRISE_USER_URN] },
    ],
    [
      `${ENTERPRISE_USER_URN.toLowerCase()}:manager.value`,
      { schemas: USER.schemas, id: 'u1', [ENTERPRISE_USER_URN]: { manager: { value: 'm1' } } },
    ],
    ['department', { schemas: USER.schemas, id: 'u1', [ENTERPRISE_USER_URN]: { department: 'R&D' } }],
    [`${USER_URN}:displayName`, { schemas: USER.schemas, id: 'u1', displayName: 'Ada Lovelace' }],
    ['nickName', { schemas: USER.schemas, id: 'u1' }],
    ['name.middleName', { schemas: USER.schemas, id: 'u1' }],
    ['noSuchThing', { schemas: USER.schemas, id: 'u1' }],
  ];
  for (const [attributes, expected] of cases) {
    test(attributes, () => assert.deepEqual(project({ attributes }), expected));
  }
  test('output follows schema order, not request order', () => {
    assert.deepEqual(Object.keys(project({ attributes: 'emails,userName,externalId' })), [
      'schemas',
      'id',
      'externalId',
      'userName',
      'emails',
    ]);
  });
});

describe('projection: excludedAttributes', () => {
  test('whole attributes, sub-attributes and a whole extension', () => {
    const out = project({ excludedAttributes: `emails.type,name,groups,${ENTERPRISE_USER_URN}` });
    assert.equal('name' in out, false);
    assert.equal('groups' in out, false);
    assert.equal(ENTERPRISE_USER_URN in out, false);
    assert.equal('password' in out, false);
    assert.deepEqual(out.emails, [
      { value: 'ada@example.com', primary: true },
      { value: 'ada@home.example' },
    ]);
    assert.equal(out.userName, 'ada@example.com');
  });
  test('id (returned always) cannot be excluded', () => {
    assert.equal(project({ excludedAttributes: 'id,meta' }).id, 'u1');
  });
  test('extension attribute by qualified name', () => {
    const out = project({ excludedAttributes: `${ENTERPRISE_USER_URN}:manager` });
    assert.deepEqual(out[ENTERPRISE_USER_URN], { department: 'R&D' });
  });
  test('Entra group lookup: excludedAttributes=members', () => {
    const group = {
      schemas: [GROUP_URN],
      id: 'g1',
      displayName: 'Ops',
      members: [{ value: 'u1' }],
      meta: { resourceType: 'Group' },
    };
    const projectGroup = compileProjection(GROUP_RESOURCE_TYPE, { excludedAttributes: paths('MEMBERS') });
    assert.deepEqual(projectGroup(group), {
      schemas: [GROUP_URN],
      id: 'g1',
      displayName: 'Ops',
      meta: { resourceType: 'Group' },
    });
  });
  test('both lists: named attributes minus the excluded ones', () => {
    assert.deepEqual(
      project({ attributes: 'userName,emails', excludedAttributes: 'emails.type,userName,id' }),
      {
        schemas: USER.schemas,
        id: 'u1',
        emails: [{ value: 'ada@example.com', primary: true }, { value: 'ada@home.example' }],
      },
    );
  });
  test('the source resource is never mutated', () => {
    const before = JSON.stringify(USER);
    project({ excludedAttributes: 'emails.type,name' });
    project({ attributes: 'emails.value' });
    assert.equal(JSON.stringify(USER), before);
  });
});
