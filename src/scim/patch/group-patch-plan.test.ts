import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ScimError } from '../errors.ts';
import { GROUP_RESOURCE_TYPE } from '../schemas/resource-types.ts';
import { PATCH_OP_URN } from '../schemas/urns.ts';
import { applyPatch } from './apply-patch.ts';
import table from './group-patch-plan.cases.json' with { type: 'json' };
import { planGroupPatch, readMemberIds } from './group-patch-plan.ts';
import { parsePatchRequest } from './patch-request.ts';

function plan(operations: unknown[]) {
  return planGroupPatch(parsePatchRequest({ schemas: [PATCH_OP_URN], Operations: operations }));
}

describe('planGroupPatch: membership shapes and reduction', () => {
  for (const c of table.plans) {
    test(c.name, () => {
      const result = plan(c.operations);
      assert.deepEqual(result.membership, c.membership);
      assert.deepEqual(
        result.attributeOps.map((op) => ({
          op: op.op,
          ...(op.pathText === undefined ? {} : { pathText: op.pathText }),
          value: op.value,
        })),
        c.attributeOps,
      );
    });
  }
});

describe('planGroupPatch: refused operations', () => {
  for (const c of table.errors) {
    test(`${c.name} → ${c.status} ${c.scimType}`, () => {
      assert.throws(
        () => plan(c.operations),
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

describe('planGroupPatch with applyPatch', () => {
  test('Okta rename plus membership: the group document never sees members', () => {
    const result = plan([
      { op: 'replace', value: { id: 'g1', displayName: 'Platform Team EU', members: [{ value: 'u1' }] } },
      { op: 'remove', path: 'members[value eq "u2"]' },
    ]);
    const group = { id: 'g1', displayName: 'Platform Team', externalId: 'ext-1' };
    const patched = applyPatch(group, result.attributeOps, GROUP_RESOURCE_TYPE);
    assert.deepEqual(patched.resource, { id: 'g1', displayName: 'Platform Team EU', externalId: 'ext-1' });
    assert.equal(patched.changed, true);
    assert.deepEqual(result.membership, { add: [], remove: [], replaceWith: ['u1'] });
  });

  test('a 50,000-member replace is reduced to ids without touching a group document', () => {
    const members = Array.from({ length: 50_000 }, (_, i) => ({ value: `u${i}`, display: `user ${i}` }));
    const result = plan([{ op: 'replace', path: 'members', value: members }]);
    assert.equal(result.membership.replaceWith?.length, 50_000);
    assert.equal(result.membership.replaceWith?.[49_999], 'u49999');
    assert.deepEqual(result.attributeOps, []);
  });
});

describe('readMemberIds (PUT bodies)', () => {
  test('reads ids from an Okta AIW PUT member list (O13)', () => {
    const ids = readMemberIds(
      [{ value: '7c2e0e6f-3a1b-4d8f-9e4c-2b3c4d5e6f70', display: 'alan.turing@example.com' }],
      'members',
    );
    assert.deepEqual(ids, ['7c2e0e6f-3a1b-4d8f-9e4c-2b3c4d5e6f70']);
  });

  test('absent and null lists are empty; a member without id is refused', () => {
    assert.deepEqual(readMemberIds(undefined, 'members'), []);
    assert.deepEqual(readMemberIds(null, 'members'), []);
    assert.throws(() => readMemberIds([{ display: 'x' }], 'members'), { scimType: 'invalidValue' });
  });
});
