/**
 * Contract of the SCIM request log (migration 12); every Store implementation runs it beside
 * `describeStoreContract`. Entries are told apart by their `resourceId` here.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { ScimRequestEntry, ScimRequestRecord } from '../account/model.ts';
import type { Store } from '../account/store.ts';

export function makeScimRequest(
  label: string,
  overrides: Partial<ScimRequestRecord> = {},
): ScimRequestRecord {
  return {
    at: '2030-01-01T00:00:00.000Z',
    idp: 'okta',
    operation: 'users.create',
    method: 'POST',
    path: '/scim/v2/Users',
    resourceType: 'Users',
    resourceId: label,
    status: 201,
    scimType: null,
    detail: null,
    ms: 3.25,
    body: '{"userName":"ada@example.com"}',
    bodyTruncated: false,
    ...overrides,
  };
}

const labels = (entries: ScimRequestEntry[]) => entries.map((entry) => entry.resourceId);

export function describeRequestLogContract(name: string, open: () => Promise<Store>): void {
  describe(`Store request log contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    test('entries come back as written with growing ids, newest first, one by id, nulls and flags intact', async () => {
      const failed = makeScimRequest('r2', {
        at: '2030-01-01T00:00:01.000Z',
        operation: 'groups.patch',
        method: 'PATCH',
        path: '/scim/v2/Groups/g1',
        resourceType: 'Groups',
        status: 409,
        scimType: 'uniqueness',
        detail: 'displayName is taken',
        body: null,
        bodyTruncated: true,
      });
      await store.appendScimRequests([makeScimRequest('r1', { resourceId: null }), failed]);
      const [second, first] = await store.listScimRequests({ limit: 10 });
      assert.ok(first && second && Number(second.id) > Number(first.id));
      assert.deepEqual(second, { id: second.id, ...failed });
      assert.deepEqual(await store.getScimRequest(first.id), {
        id: first.id,
        ...makeScimRequest('r1', { resourceId: null }),
      });
      assert.deepEqual(await store.getScimRequest(second.id), second);
      assert.equal(await store.getScimRequest('999999'), undefined);
      assert.equal(await store.getScimRequest('not-an-id'), undefined);
    });

    test('filters by IdP, outcome, resource and time combine, and pages follow the keyset', async () => {
      await store.appendScimRequests([
        makeScimRequest('a', { at: '2030-01-01T00:00:00.000Z' }),
        makeScimRequest('b', {
          at: '2030-01-01T00:01:00.000Z',
          idp: 'entra',
          status: 400,
          scimType: 'invalidValue',
        }),
        makeScimRequest('c', { at: '2030-01-01T00:02:00.000Z', resourceType: 'Groups' }),
        makeScimRequest('d', { at: '2030-01-01T00:03:00.000Z', status: 500 }),
        makeScimRequest('e', { at: '2030-01-01T00:04:00.000Z' }),
      ]);
      assert.deepEqual(labels(await store.listScimRequests({ limit: 10, idp: 'okta' })), [
        'e',
        'd',
        'c',
        'a',
      ]);
      assert.deepEqual(labels(await store.listScimRequests({ limit: 10, outcome: 'failed' })), ['d', 'b']);
      assert.deepEqual(labels(await store.listScimRequests({ limit: 10, outcome: 'ok' })), ['e', 'c', 'a']);
      assert.deepEqual(labels(await store.listScimRequests({ limit: 10, resourceType: 'Groups' })), ['c']);
      assert.deepEqual(
        labels(
          await store.listScimRequests({
            limit: 10,
            from: '2030-01-01T00:01:00.000Z',
            to: '2030-01-01T00:03:00.000Z',
          }),
        ),
        ['c', 'b'],
      );
      assert.deepEqual(labels(await store.listScimRequests({ limit: 10, idp: 'okta', outcome: 'failed' })), [
        'd',
      ]);
      const first = await store.listScimRequests({ limit: 2, idp: 'okta' });
      assert.deepEqual(labels(first), ['e', 'd']);
      const next = await store.listScimRequests({ limit: 2, idp: 'okta', before: first[1]!.id });
      assert.deepEqual(labels(next), ['c', 'a']);
      assert.deepEqual(labels(await store.listScimRequests({ limit: 2, before: next[1]!.id })), []);
      assert.deepEqual(labels(await store.listScimRequests({ limit: 2, before: 'unknown' })), []);
    });

    test('pruning drops entries older than the bound, then all but the newest n', async () => {
      await store.appendScimRequests(
        ['1', '2', '3', '4', '5', '6'].map((day) =>
          makeScimRequest(`p${day}`, { at: `2030-01-0${day}T00:00:00.000Z` }),
        ),
      );
      assert.equal(await store.pruneScimRequests({ olderThan: '2030-01-02T00:00:00.000Z', keep: 100 }), 1);
      assert.deepEqual(labels(await store.listScimRequests({ limit: 10 })), ['p6', 'p5', 'p4', 'p3', 'p2']);
      assert.equal(await store.pruneScimRequests({ olderThan: '2000-01-01T00:00:00.000Z', keep: 3 }), 2);
      assert.deepEqual(labels(await store.listScimRequests({ limit: 10 })), ['p6', 'p5', 'p4']);
      assert.equal(await store.pruneScimRequests({ olderThan: '2000-01-01T00:00:00.000Z', keep: 3 }), 0);
      assert.equal(
        await store.pruneScimRequests({ olderThan: '2031-01-01T00:00:00.000Z', keep: 3 }),
        3,
        'all too old',
      );
      assert.deepEqual(await store.listScimRequests({ limit: 10 }), []);
    });

    test('a batch is written whole or not at all inside a transaction', async () => {
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.appendScimRequests([makeScimRequest('x1')]);
          throw new Error('abort');
        }),
      );
      assert.deepEqual(await store.listScimRequests({ limit: 10 }), []);
    });
  });
}
