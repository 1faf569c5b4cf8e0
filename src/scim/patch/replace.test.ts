import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ScimError } from '../errors.ts';
import { GROUP_RESOURCE_TYPE, USER_RESOURCE_TYPE } from '../schemas/resource-types.ts';
import type { ResourceTypeDef } from '../schemas/types.ts';
import { ENTERPRISE_USER_URN, GROUP_URN, USER_URN } from '../schemas/urns.ts';
import { normalizeResource } from '../validate.ts';
import { replaceResource } from './replace.ts';

type Json = Record<string, unknown>;

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const key of Object.keys(value)) deepFreeze((value as Json)[key]);
    Object.freeze(value);
  }
  return value;
}

const stored: Json = deepFreeze({
  schemas: [USER_URN, ENTERPRISE_USER_URN],
  id: '6b1d9d5e-2f0a-4c7e-8d3b-1a2b3c4d5e6f',
  externalId: '00u1abcd2EFGH3ijk4l5',
  userName: 'grace.hopper@example.com',
  name: { formatted: 'Grace Hopper', givenName: 'Grace', familyName: 'Hopper' },
  displayName: 'Grace Hopper',
  title: 'Rear Admiral',
  active: true,
  emails: [{ value: 'grace.hopper@example.com', type: 'work', primary: true }],
  [ENTERPRISE_USER_URN]: { department: 'Navy', employeeNumber: '1906', manager: { value: 'm1' } },
  groups: [{ value: 'g1', display: 'Admirals', type: 'direct' }],
  meta: { resourceType: 'User', created: '2026-01-01T00:00:00Z' },
});

function expectScimError(fn: () => unknown, status: number, scimType: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ScimError, `expected a ScimError, got ${String(error)}`);
    assert.equal(error.status, status);
    assert.equal(error.scimType, scimType);
    return true;
  });
}

describe('replaceResource (PUT, RFC 7644 §3.5.1)', () => {
  test('Okta O3: a profile PUT replaces the resource; what it leaves out is cleared', () => {
    const incoming = normalizeResource(
      {
        schemas: [USER_URN],
        id: '6b1d9d5e-2f0a-4c7e-8d3b-1a2b3c4d5e6f',
        userName: 'grace.hopper@example.com',
        name: { givenName: 'Grace', middleName: 'Brewster', familyName: 'Hopper' },
        emails: [
          {
            primary: true,
            value: 'grace.hopper@example.com',
            type: 'work',
            display: 'grace.hopper@example.com',
          },
        ],
        active: 'False',
        groups: [],
        password: 't9Qm2vLx',
        meta: { resourceType: 'User' },
      },
      USER_RESOURCE_TYPE,
    );
    const result = replaceResource(stored, incoming, USER_RESOURCE_TYPE);
    // Sent attributes are replaced whole, sub-attributes included.
    assert.deepEqual(result.name, { givenName: 'Grace', middleName: 'Brewster', familyName: 'Hopper' });
    assert.deepEqual(result.emails, [
      { primary: true, value: 'grace.hopper@example.com', type: 'work', display: 'grace.hopper@example.com' },
    ]);
    assert.equal(result.active, false);
    // What the PUT leaves out is cleared (RFC 7644 §3.5.1): the resource is what was sent.
    assert.equal(Object.hasOwn(result, 'title'), false);
    assert.equal(Object.hasOwn(result, 'displayName'), false);
    assert.equal(Object.hasOwn(result, ENTERPRISE_USER_URN), false);
    assert.equal(Object.hasOwn(result, 'externalId'), false);
    // Read-only values stay the service's; the password is never stored.
    assert.equal(result.id, stored.id);
    assert.deepEqual(result.groups, stored.groups);
    assert.deepEqual(result.meta, stored.meta);
    assert.equal(Object.hasOwn(result, 'password'), false);
  });

  test('the caller names attributes that an omission keeps; null still clears them', () => {
    const keep = { keepWhenOmitted: new Set(['externalId', 'active']) };
    const kept = replaceResource(stored, { userName: 'grace.hopper@example.com' }, USER_RESOURCE_TYPE, keep);
    assert.equal(kept.externalId, '00u1abcd2EFGH3ijk4l5');
    assert.equal(kept.active, true);
    assert.equal(Object.hasOwn(kept, 'title'), false);
    const cleared = replaceResource(
      stored,
      { userName: 'grace.hopper@example.com', externalId: null },
      USER_RESOURCE_TYPE,
      keep,
    );
    assert.equal(Object.hasOwn(cleared, 'externalId'), false);
  });

  test('a required attribute left out keeps its stored value; sent empty it is refused', () => {
    const result = replaceResource(stored, { title: 'Admiral' }, USER_RESOURCE_TYPE);
    assert.equal(result.userName, 'grace.hopper@example.com');
    assert.deepEqual(result.emails, stored.emails);
    assert.equal(result.title, 'Admiral');
    expectScimError(
      () => replaceResource(stored, { userName: 'grace.hopper@example.com', emails: [] }, USER_RESOURCE_TYPE),
      400,
      'invalidValue',
    );
  });

  test('null clears a single-valued attribute, and an omitted one is cleared the same', () => {
    const sent = { userName: 'grace.hopper@example.com', emails: stored.emails, displayName: 'Grace Hopper' };
    const result = replaceResource(stored, { ...sent, title: null }, USER_RESOURCE_TYPE);
    assert.equal(Object.hasOwn(result, 'title'), false);
    assert.equal(result.displayName, 'Grace Hopper');
    assert.deepEqual(replaceResource(stored, sent, USER_RESOURCE_TYPE), result);
  });

  test('an extension is replaced whole: attributes it leaves out are cleared; null clears all', () => {
    const partial = replaceResource(
      stored,
      { userName: 'grace.hopper@example.com', [ENTERPRISE_USER_URN]: { department: 'Computing' } },
      USER_RESOURCE_TYPE,
    );
    assert.deepEqual(partial[ENTERPRISE_USER_URN], { department: 'Computing' });
    const cleared = replaceResource(
      stored,
      { userName: 'grace.hopper@example.com', [ENTERPRISE_USER_URN]: null },
      USER_RESOURCE_TYPE,
    );
    assert.equal(Object.hasOwn(cleared, ENTERPRISE_USER_URN), false);
  });

  test('a required attribute must be sent and cannot be cleared → 400 invalidValue', () => {
    const noName = { ...stored };
    delete noName.userName;
    expectScimError(() => replaceResource(noName, { title: 'x' }, USER_RESOURCE_TYPE), 400, 'invalidValue');
    expectScimError(
      () => replaceResource(stored, { userName: null }, USER_RESOURCE_TYPE),
      400,
      'invalidValue',
    );
  });

  test('an immutable attribute that has a value must be sent unchanged → 400 mutability', () => {
    const rt: ResourceTypeDef = {
      ...USER_RESOURCE_TYPE,
      schema: {
        ...USER_RESOURCE_TYPE.schema,
        attributes: [
          ...USER_RESOURCE_TYPE.schema.attributes,
          {
            name: 'badge',
            type: 'string',
            multiValued: false,
            description: 'Set once.',
            required: false,
            caseExact: true,
            mutability: 'immutable',
            returned: 'default',
            uniqueness: 'none',
          },
        ],
      },
    };
    const withBadge = { ...stored, badge: 'B-1' };
    const userName = 'grace.hopper@example.com';
    expectScimError(() => replaceResource(withBadge, { userName, badge: 'B-2' }, rt), 400, 'mutability');
    assert.equal(replaceResource(withBadge, { userName, badge: 'B-1' }, rt).badge, 'B-1');
    assert.equal(replaceResource(withBadge, { userName }, rt).badge, 'B-1');
    assert.equal(replaceResource(stored, { userName, badge: 'B-3' }, rt).badge, 'B-3');
  });

  test('a Group PUT leaves members to the caller', () => {
    const group = deepFreeze({
      schemas: [GROUP_URN],
      id: 'g1',
      displayName: 'Platform Team',
      members: [{ value: 'u1' }],
    });
    const result = replaceResource(
      group,
      { displayName: 'Platform Team EU', members: [{ value: 'u2' }] },
      GROUP_RESOURCE_TYPE,
    );
    assert.equal(result.displayName, 'Platform Team EU');
    assert.deepEqual(result.members, [{ value: 'u1' }]);
  });
});
