/**
 * docs/api/openapi.json is generated from the route table (`npm run openapi`): this fails
 * when someone changed one without the other, so the document never drifts from the server.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { openApiDocument, openApiText } from '../../src/account/api/openapi.ts';
import { API_ROUTES } from '../../src/account/api/route-table.ts';

const DOC = path.join(import.meta.dirname, '..', '..', 'docs', 'api', 'openapi.json');

test('the checked-in OpenAPI document is what the route table generates (run `npm run openapi`)', () => {
  assert.equal(readFileSync(DOC, 'utf8'), openApiText());
});

test('every endpoint of the table is documented once, under its name, with its method and path', () => {
  const document = openApiDocument() as {
    paths: Record<string, Record<string, { operationId?: string }>>;
  };
  const documented = Object.entries(document.paths).flatMap(([template, operations]) =>
    Object.entries(operations)
      .filter(([method]) => method !== 'parameters')
      .map(([method, operation]) => `${operation.operationId} ${method.toUpperCase()} ${template}`),
  );
  const table = Object.entries(API_ROUTES).map(
    ([name, endpoint]) => `${name} ${endpoint.method} ${endpoint.path.replace(/:(\w+)/g, '{$1}')}`,
  );
  assert.deepEqual(documented.sort(), table.sort());
});
