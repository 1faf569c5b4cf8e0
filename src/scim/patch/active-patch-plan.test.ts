import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ScimError } from '../errors.ts';
import { USER_RESOURCE_TYPE } from '../schemas/resource-types.ts';
import { PATCH_OP_URN, USER_URN } from '../schemas/urns.ts';
import table from './active-patch-plan.cases.json' with { type: 'json' };
import { planActiveOnlyPatch } from './active-patch-plan.ts';
import { applyPatch } from './apply-patch.ts';
import { parsePatchRequest } from './patch-request.ts';

function parse(operations: unknown[]) {
  return parsePatchRequest({ schemas: [PATCH_OP_URN], Operations: operations });
}

function user(active: boolean): Record<string, unknown> {
  return {
    schemas: [USER_URN],
    id: '2819c223-7f76-453a-919d-413861904646',
    userName: 'ada@contoso.example',
    displayName: 'Ada Lovelace',
    emails: [{ value: 'ada@contoso.example', type: 'work', primary: true }],
    active,
  };
}

function scimError(error: unknown): { status: number; scimType: string | undefined; detail: string } {
  assert.ok(error instanceof ScimError, `expected a ScimError, got ${String(error)}`);
  return { status: error.status, scimType: error.scimType, detail: error.detail };
}

describe('planActiveOnlyPatch: requests that only set active', () => {
  for (const c of table.plans) {
    test(`${c.name} → active ${c.active}`, () => {
      assert.deepEqual(planActiveOnlyPatch(parse(c.operations)), { active: c.active });
    });
  }
});

describe('planActiveOnlyPatch: requests left to the document engine', () => {
  for (const c of table.declined) {
    test(c.name, () => {
      assert.equal(planActiveOnlyPatch(parse(c.operations)), undefined);
    });
  }
});

describe('planActiveOnlyPatch: bad values', () => {
  for (const c of table.errors) {
    test(`${c.name} → ${c.status} ${c.scimType}`, () => {
      assert.throws(
        () => planActiveOnlyPatch(parse(c.operations)),
        (error: unknown) => {
          assert.deepEqual(scimError(error), { status: c.status, scimType: c.scimType, detail: c.detail });
          return true;
        },
      );
    });
  }
});

describe('planActiveOnlyPatch agrees with applyPatch', () => {
  // Whatever the user's state before, the plan must leave `active` where the document engine
  // leaves it, and must report a change exactly when the engine does.
  for (const before of [true, false]) {
    for (const c of table.plans) {
      test(`active ${before}: ${c.name}`, () => {
        const ops = parse(c.operations);
        const plan = planActiveOnlyPatch(ops);
        const patched = applyPatch(user(before), ops, USER_RESOURCE_TYPE);
        assert.equal(plan?.active, patched.resource.active);
        assert.equal(plan?.active !== before, patched.changed);
        assert.deepEqual(patched.resource, { ...user(before), active: plan?.active });
      });
    }
    for (const c of table.errors) {
      test(`active ${before}: ${c.name} fails alike`, () => {
        const ops = parse(c.operations);
        let planned: unknown;
        let engine: unknown;
        try {
          planActiveOnlyPatch(ops);
        } catch (error) {
          planned = error;
        }
        try {
          applyPatch(user(before), ops, USER_RESOURCE_TYPE);
        } catch (error) {
          engine = error;
        }
        assert.deepEqual(scimError(planned), scimError(engine));
      });
    }
  }

  test('the operations are not changed', () => {
    const operations = [{ op: 'replace', value: { active: 'False' } }];
    const ops = parse(structuredClone(operations));
    const copy = structuredClone(ops);
    planActiveOnlyPatch(ops);
    assert.deepEqual(ops, copy);
  });
});
