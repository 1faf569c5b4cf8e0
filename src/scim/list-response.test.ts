import assert from 'node:assert/strict';
import { test } from 'node:test';
import { listResponse } from './list-response.ts';
import { LIST_RESPONSE_URN } from './schemas/urns.ts';

test('an empty result is a 200-shaped list with Resources present', () => {
  assert.deepEqual(JSON.parse(JSON.stringify(listResponse([], 0, 1))), {
    schemas: [LIST_RESPONSE_URN],
    totalResults: 0,
    itemsPerPage: 0,
    startIndex: 1,
    Resources: [],
  });
});

test('itemsPerPage counts the page, totalResults the whole result set, all integers', () => {
  const page = listResponse([{ id: 'a' }, { id: 'b' }], 20_000, 101);
  assert.equal(page.itemsPerPage, 2);
  assert.equal(page.totalResults, 20_000);
  assert.equal(page.startIndex, 101);
  assert.ok(Number.isInteger(page.totalResults) && Number.isInteger(page.itemsPerPage));
});
