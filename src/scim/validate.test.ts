import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ScimError } from './errors.ts';
import { describeAttribute } from './schemas/describe.ts';
import { GROUP_RESOURCE_TYPE, USER_RESOURCE_TYPE } from './schemas/resource-types.ts';
import { ENTERPRISE_USER_URN, GROUP_URN, USER_URN } from './schemas/urns.ts';
import { normalizeResource, normalizeValue } from './validate.ts';

const EMAILS = [{ value: 'ada@example.com' }];

const user = (extra: Record<string, unknown>) => ({
  schemas: [USER_URN],
  userName: 'ada@example.com',
  emails: EMAILS,
  ...extra,
});

function assertScimError(fn: () => unknown, status: number, scimType: string | undefined, detail?: RegExp) {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ScimError, `expected ScimError, got ${String(error)}`);
    assert.equal(error.status, status);
    assert.equal(error.scimType, scimType);
    if (detail) assert.match(error.detail, detail);
    return true;
  });
}

describe('normalizeResource: accepted input', () => {
  test('canonical names from any case, and the core schema URN', () => {
    const out = normalizeResource(
      {
        USERNAME: 'ada',
        Emails: [{ Value: 'ada@example.com', TYPE: 'work', Primary: 'True' }],
        ACTIVE: 'false',
      },
      USER_RESOURCE_TYPE,
    );
    assert.deepEqual(out, {
      userName: 'ada',
      emails: [{ value: 'ada@example.com', type: 'work', primary: true }],
      active: false,
      schemas: [USER_URN],
    });
  });

  test('read-only, write-only and unknown attributes are dropped silently (Okta echoes them)', () => {
    const out = normalizeResource(
      user({
        id: 'x',
        meta: { created: '2020-01-01T00:00:00Z' },
        groups: [],
        password: 'hunter2',
        favouriteColour: 'blue',
        'urn:example:custom:2.0:User': { badge: 1 },
      }),
      USER_RESOURCE_TYPE,
    );
    assert.deepEqual(out, { userName: 'ada@example.com', emails: EMAILS, schemas: [USER_URN] });
  });

  test('extension under its URN key in any case; Entra manager string becomes {value}', () => {
    const out = normalizeResource(
      user({
        schemas: [USER_URN, ENTERPRISE_USER_URN],
        [ENTERPRISE_USER_URN.toUpperCase()]: { Department: 'R&D', manager: 'mgr-1', bogus: 1 },
      }),
      USER_RESOURCE_TYPE,
    );
    assert.deepEqual(out[ENTERPRISE_USER_URN], { department: 'R&D', manager: { value: 'mgr-1' } });
    assert.deepEqual(out.schemas, [USER_URN, ENTERPRISE_USER_URN]);
  });

  test('fully qualified extension attribute names at the top level', () => {
    const out = normalizeResource(
      user({ [`${ENTERPRISE_USER_URN}:employeeNumber`]: 42 }),
      USER_RESOURCE_TYPE,
    );
    assert.deepEqual(out[ENTERPRISE_USER_URN], { employeeNumber: '42' });
  });

  test('manager.displayName (readOnly) is dropped', () => {
    const out = normalizeResource(
      user({ [ENTERPRISE_USER_URN]: { manager: { value: 'm', displayName: 'Boss' } } }),
      USER_RESOURCE_TYPE,
    );
    assert.deepEqual(out[ENTERPRISE_USER_URN], { manager: { value: 'm' } });
  });

  test('missing schemas is tolerated; unknown schema URNs too', () => {
    assert.equal(normalizeResource({ userName: 'a', emails: EMAILS }, USER_RESOURCE_TYPE).userName, 'a');
    const group = normalizeResource(
      { schemas: [GROUP_URN, 'urn:ietf:params:scim:schemas:extension:Custom:2.0:Group'], displayName: 'Ops' },
      GROUP_RESOURCE_TYPE,
    );
    assert.deepEqual(group, { displayName: 'Ops', schemas: [GROUP_URN] });
  });

  test('a single object for a multi-valued attribute is wrapped in an array', () => {
    const out = normalizeResource(user({ emails: { value: 'a@b.c' } }), USER_RESOURCE_TYPE);
    assert.deepEqual(out.emails, [{ value: 'a@b.c' }]);
  });

  test('null means unassigned and is dropped', () => {
    const out = normalizeResource(
      user({ displayName: null, name: { givenName: null, familyName: 'L' } }),
      USER_RESOURCE_TYPE,
    );
    assert.deepEqual(out, {
      userName: 'ada@example.com',
      emails: EMAILS,
      name: { familyName: 'L' },
      schemas: [USER_URN],
    });
  });

  test('for PUT, an explicit null is kept so that it can clear the stored value', () => {
    const out = normalizeResource(
      user({
        displayName: null,
        id: null,
        urn_ignored: null,
        [ENTERPRISE_USER_URN]: { department: null, costCenter: 'C1' },
        [`${USER_URN}:title`]: null,
      }),
      USER_RESOURCE_TYPE,
      { keepNulls: true },
    );
    assert.deepEqual(out, {
      userName: 'ada@example.com',
      emails: EMAILS,
      displayName: null,
      title: null,
      [ENTERPRISE_USER_URN]: { department: null, costCenter: 'C1' },
      schemas: [USER_URN, ENTERPRISE_USER_URN],
    });
  });

  test('for PUT, a null extension object clears the whole extension', () => {
    const out = normalizeResource(user({ [ENTERPRISE_USER_URN]: null }), USER_RESOURCE_TYPE, {
      keepNulls: true,
    });
    assert.deepEqual(out, {
      userName: 'ada@example.com',
      emails: EMAILS,
      [ENTERPRISE_USER_URN]: null,
      schemas: [USER_URN],
    });
  });

  test('group members: display is server-computed, no 100-value limit', () => {
    const members = Array.from({ length: 150 }, (_, i) => ({ value: `u${i}`, display: 'x', $ref: null }));
    const out = normalizeResource({ displayName: 'Big', members }, GROUP_RESOURCE_TYPE);
    assert.equal((out.members as unknown[]).length, 150);
    assert.deepEqual((out.members as unknown[])[0], { value: 'u0' });
  });

  test('dateTime values are kept as sent when valid', () => {
    const created = describeAttribute(USER_RESOURCE_TYPE, { attr: 'meta', sub: 'created' });
    assert.ok(created);
    // meta is readOnly as a whole, but its sub-attribute types still validate when asked directly.
    assert.equal(
      normalizeValue({ ...created, mutability: 'readWrite' }, '2024-05-01T12:00:00.5+02:00', 'x'),
      '2024-05-01T12:00:00.5+02:00',
    );
  });
});

describe('normalizeResource: rejected input', () => {
  const long = 'x'.repeat(2049);
  const cases: Array<{
    name: string;
    body: unknown;
    rt?: typeof USER_RESOURCE_TYPE;
    scimType: string;
    detail: RegExp;
  }> = [
    { name: 'array body', body: [], scimType: 'invalidSyntax', detail: /JSON object/ },
    { name: 'string body', body: 'x', scimType: 'invalidSyntax', detail: /JSON object/ },
    { name: 'null body', body: null, scimType: 'invalidSyntax', detail: /JSON object/ },
    {
      name: 'schemas not an array',
      body: user({ schemas: USER_URN }),
      scimType: 'invalidSyntax',
      detail: /schemas/,
    },
    {
      name: 'schemas with a number',
      body: user({ schemas: [1] }),
      scimType: 'invalidSyntax',
      detail: /schemas/,
    },
    {
      name: 'missing userName',
      body: { displayName: 'x' },
      scimType: 'invalidValue',
      detail: /userName is required/,
    },
    {
      name: 'blank userName',
      body: { userName: '  ' },
      scimType: 'invalidValue',
      detail: /userName is required/,
    },
    {
      name: 'no emails (the served User schema requires them)',
      body: { userName: 'ada@example.com' },
      scimType: 'invalidValue',
      detail: /emails is required/,
    },
    {
      name: 'empty emails',
      body: { userName: 'ada@example.com', emails: [] },
      scimType: 'invalidValue',
      detail: /emails is required/,
    },
    {
      name: 'missing group displayName',
      body: { members: [] },
      rt: GROUP_RESOURCE_TYPE,
      scimType: 'invalidValue',
      detail: /displayName is required/,
    },
    {
      name: 'userName object',
      body: { userName: { a: 1 } },
      scimType: 'invalidValue',
      detail: /^userName must be a string/,
    },
    {
      name: 'userName array',
      body: { userName: ['a'] },
      scimType: 'invalidValue',
      detail: /userName must be a single value/,
    },
    {
      name: 'string too long',
      body: user({ displayName: long }),
      scimType: 'invalidValue',
      detail: /displayName is 2049/,
    },
    {
      name: 'active not boolean',
      body: user({ active: 'yes' }),
      scimType: 'invalidValue',
      detail: /^active must be a boolean/,
    },
    {
      name: 'primary not boolean',
      body: user({ emails: [{ value: 'a' }, { value: 'b', primary: 1 }] }),
      scimType: 'invalidValue',
      detail: /^emails\[1\]\.primary must be a boolean/,
    },
    {
      name: 'two primaries',
      body: user({
        emails: [
          { value: 'a', primary: true },
          { value: 'b', primary: 'True' },
        ],
      }),
      scimType: 'invalidValue',
      detail: /emails has 2 values marked primary/,
    },
    {
      name: 'nesting inside a sub-attribute',
      body: user({ name: { givenName: { x: 1 } } }),
      scimType: 'invalidValue',
      detail: /^name\.givenName must be a single string/,
    },
    {
      name: 'name as a number',
      body: user({ name: 5 }),
      scimType: 'invalidValue',
      detail: /^name must be an object/,
    },
    {
      name: 'array inside a multi-valued attribute',
      body: user({ emails: [[{ value: 'a' }]] }),
      scimType: 'invalidValue',
      detail: /^emails\[0\] must not be an array/,
    },
    {
      name: 'null element',
      body: user({ emails: [null] }),
      scimType: 'invalidValue',
      detail: /^emails\[0\] must not be null/,
    },
    {
      name: 'more than 100 values',
      body: user({ emails: Array.from({ length: 101 }, (_, i) => ({ value: `${i}` })) }),
      scimType: 'invalidValue',
      detail: /emails has 101 values; at most 100/,
    },
    {
      name: 'extension not an object',
      body: user({ [ENTERPRISE_USER_URN]: 'R&D' }),
      scimType: 'invalidValue',
      detail: /must be an object/,
    },
    {
      name: 'extension attribute of the wrong type',
      body: user({ [ENTERPRISE_USER_URN]: { department: true } }),
      scimType: 'invalidValue',
      detail: /enterprise:2\.0:User:department must be a string/,
    },
    {
      name: 'members value not a string',
      body: { displayName: 'g', members: [{ value: { id: 1 } }] },
      rt: GROUP_RESOURCE_TYPE,
      scimType: 'invalidValue',
      detail: /^members\[0\]\.value must be a single string/,
    },
  ];
  for (const { name, body, rt, scimType, detail } of cases) {
    test(name, () =>
      assertScimError(() => normalizeResource(body, rt ?? USER_RESOURCE_TYPE), 400, scimType, detail),
    );
  }
});

describe('normalizeValue (for PATCH)', () => {
  const active = describeAttribute(USER_RESOURCE_TYPE, { attr: 'active' })!;
  const manager = describeAttribute(USER_RESOURCE_TYPE, { schema: ENTERPRISE_USER_URN, attr: 'manager' })!;
  const created = {
    ...describeAttribute(USER_RESOURCE_TYPE, { attr: 'meta', sub: 'created' })!,
    mutability: 'readWrite' as const,
  };
  const decimal = { ...active, type: 'decimal' as const };
  const integer = { ...active, type: 'integer' as const };

  const good: Array<[string, () => unknown, unknown]> = [
    ['"True" → true', () => normalizeValue(active, 'True', 'active'), true],
    ['"FALSE" → false', () => normalizeValue(active, 'FALSE', 'active'), false],
    ['manager string → {value}', () => normalizeValue(manager, 'm1', 'manager'), { value: 'm1' }],
    ['decimal from string', () => normalizeValue(decimal, '2.5', 'd'), 2.5],
    ['integer from number', () => normalizeValue(integer, 7, 'i'), 7],
    ['null → undefined', () => normalizeValue(active, null, 'active'), undefined],
  ];
  for (const [name, run, expected] of good) test(name, () => assert.deepEqual(run(), expected));

  const bad: Array<[string, () => unknown, RegExp]> = [
    ['integer with a fraction', () => normalizeValue(integer, 1.5, 'i'), /i must be an integer/],
    ['decimal from words', () => normalizeValue(decimal, 'ten', 'd'), /d must be a number/],
    [
      'dateTime garbage',
      () => normalizeValue(created, 'yesterday', 'meta.created'),
      /meta\.created must be an ISO 8601/,
    ],
    ['dateTime impossible month', () => normalizeValue(created, '2024-13-01T00:00:00Z', 'c'), /ISO 8601/],
    ['dateTime not a string', () => normalizeValue(created, 1700000000, 'c'), /ISO 8601/],
  ];
  for (const [name, run, detail] of bad) test(name, () => assertScimError(run, 400, 'invalidValue', detail));
});
