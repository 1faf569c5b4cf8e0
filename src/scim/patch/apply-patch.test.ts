import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ScimError } from '../errors.ts';
import { GROUP_RESOURCE_TYPE, USER_RESOURCE_TYPE } from '../schemas/resource-types.ts';
import { PATCH_OP_URN } from '../schemas/urns.ts';
import table from './apply-patch.cases.json' with { type: 'json' };
import { applyPatch } from './apply-patch.ts';
import { parsePatchRequest } from './patch-request.ts';

type Json = Record<string, unknown>;

interface CaseBase {
  name: string;
  fixture: string;
  resourceType?: string;
  operations: unknown[];
}

const fixtures = table.fixtures as Record<string, Json>;

/** A deep-frozen copy: any write to the input during PATCH throws, proving the engine copies. */
function frozenFixture(name: string): Json {
  const fixture = fixtures[name];
  assert.ok(fixture, `unknown fixture ${name}`);
  return deepFreeze(structuredClone(fixture));
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const key of Object.keys(value)) deepFreeze((value as Json)[key]);
    Object.freeze(value);
  }
  return value;
}

function run(c: CaseBase, resource: Json) {
  const rt = c.resourceType === 'Group' ? GROUP_RESOURCE_TYPE : USER_RESOURCE_TYPE;
  const ops = parsePatchRequest({ schemas: [PATCH_OP_URN], Operations: c.operations });
  return applyPatch(resource, ops, rt);
}

describe('applyPatch: IdP and RFC request shapes', () => {
  for (const c of table.cases) {
    test(c.name, () => {
      const input = frozenFixture(c.fixture);
      const { resource, changed } = run(c, input);
      for (const [key, expected] of Object.entries(c.expect as Json)) {
        if (expected === null) assert.equal(Object.hasOwn(resource, key), false, `${key} should be absent`);
        else assert.deepEqual(resource[key], expected, key);
      }
      // Attributes the case does not name are left exactly as they were.
      for (const key of Object.keys(input)) {
        if (!(key in (c.expect as Json)))
          assert.deepEqual(resource[key], input[key], `${key} should be unchanged`);
      }
      assert.equal(changed, c.changed);
      assert.deepEqual(input, fixtures[c.fixture], 'the input resource must not change');
    });
  }
});

describe('applyPatch: refused operations', () => {
  for (const c of table.errors) {
    test(`${c.name} → ${c.status} ${c.scimType}`, () => {
      const input = frozenFixture(c.fixture);
      assert.throws(
        () => run(c, input),
        (error: unknown) => {
          assert.ok(error instanceof ScimError, `expected a ScimError, got ${String(error)}`);
          assert.equal(error.status, c.status);
          assert.equal(error.scimType, c.scimType);
          return true;
        },
      );
    });
  }
});

describe('applyPatch: atomicity', () => {
  test('a failing third operation leaves the input untouched and returns nothing', () => {
    const input = structuredClone(fixtures.ada) as Json;
    const before = structuredClone(input);
    const ops = parsePatchRequest({
      schemas: [PATCH_OP_URN],
      Operations: [
        { op: 'replace', path: 'displayName', value: 'Ada King' },
        {
          op: 'replace',
          path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department',
          value: 'X',
        },
        { op: 'replace', path: 'id', value: 'other' },
      ],
    });
    assert.throws(() => applyPatch(input, ops, USER_RESOURCE_TYPE), { scimType: 'mutability' });
    assert.deepEqual(input, before);
  });

  test('untouched nested values are shared with the input, touched ones are fresh', () => {
    const input = frozenFixture('ada');
    const ops = parsePatchRequest({
      schemas: [PATCH_OP_URN],
      Operations: [{ op: 'replace', path: 'name.givenName', value: 'Augusta' }],
    });
    const { resource } = applyPatch(input, ops, USER_RESOURCE_TYPE);
    assert.equal(resource.emails, input.emails);
    assert.notEqual(resource.name, input.name);
    assert.deepEqual(resource.name, {
      formatted: 'Ada Lovelace',
      familyName: 'Lovelace',
      givenName: 'Augusta',
    });
  });
});
