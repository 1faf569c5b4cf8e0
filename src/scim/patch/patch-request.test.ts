import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ScimError } from '../errors.ts';
import { PATCH_OP_URN } from '../schemas/urns.ts';
import cases from './patch-request.cases.json' with { type: 'json' };
import { MAX_PATCH_OPERATIONS, parsePatchRequest } from './patch-request.ts';

function expectScimError(fn: () => unknown, status: number, scimType: string | undefined): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ScimError, `expected a ScimError, got ${String(error)}`);
    assert.equal(error.status, status);
    assert.equal(error.scimType, scimType);
    return true;
  });
}

describe('parsePatchRequest: accepted envelopes', () => {
  for (const c of cases.valid) {
    test(c.name, () => {
      const ops = parsePatchRequest(c.body);
      assert.deepEqual(
        ops.map((op) => ({
          op: op.op,
          ...(op.pathText === undefined ? {} : { pathText: op.pathText }),
          hasValue: 'value' in op,
        })),
        c.ops,
      );
      for (const op of ops) assert.equal(op.path === undefined, op.pathText === undefined);
    });
  }

  test('a filtered path is parsed once, into attribute, filter and sub-attribute', () => {
    const [op] = parsePatchRequest({
      schemas: [PATCH_OP_URN],
      Operations: [{ op: 'Replace', path: 'emails[type eq "work"].value', value: 'a@example.com' }],
    });
    assert.equal(op?.path?.path.attr, 'emails');
    assert.equal(op?.path?.subAttr, 'value');
    assert.deepEqual(op?.path?.valueFilter, { op: 'eq', path: { attr: 'type' }, value: 'work' });
  });
});

describe('parsePatchRequest: refused envelopes', () => {
  for (const c of cases.invalid) {
    test(`${c.name} → ${c.status} ${c.scimType}`, () => {
      expectScimError(() => parsePatchRequest(c.body), c.status, c.scimType);
    });
  }

  test(`more than ${MAX_PATCH_OPERATIONS} operations → 413`, () => {
    const op = { op: 'remove', path: 'members[value eq "u1"]' };
    const body = { schemas: [PATCH_OP_URN], Operations: new Array(MAX_PATCH_OPERATIONS + 1).fill(op) };
    expectScimError(() => parsePatchRequest(body), 413, undefined);
    body.Operations.pop();
    assert.equal(parsePatchRequest(body).length, MAX_PATCH_OPERATIONS);
  });
});
