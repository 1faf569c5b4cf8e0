/**
 * docs/api/openapi.json is generated from the route table (`npm run openapi`): this fails
 * when someone changed one without the other, so the document never drifts from the server.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { openApiDocument, openApiText } from '../../src/account/api/openapi.ts';
import { API_ERROR_STATUS, isAccountErrorCode, isApiErrorCode } from '../../src/account/api/protocol.ts';
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

test('every error code the route table names is an API error code, under its status', () => {
  const named = Object.entries(API_ROUTES).flatMap(([name, endpoint]) =>
    Object.entries(endpoint.errors as Record<string, string>).flatMap(([status, codes]) =>
      codes
        .split(';')
        .map((part) => part.trim().split(/[\s:(]/)[0]!)
        .filter((word) => word.includes('_'))
        .map((code) => ({ name, status: Number(status), code })),
    ),
  );
  assert.ok(named.length > 20, 'the table names its error codes');
  for (const { name, status, code } of named) {
    assert.ok(isApiErrorCode(code), `${name}: ${code} is not an API error code`);
    // scim_error carries the SCIM status; the table lists it under 400, the usual one.
    assert.equal(
      API_ERROR_STATUS[code],
      status,
      `${name}: ${code} is answered with ${API_ERROR_STATUS[code]}`,
    );
  }
});

test('the Error schema lists exactly the codes the server can send', () => {
  const document = openApiDocument() as {
    components: { schemas: { Error: { properties: { code: { enum: string[] } } } } };
  };
  const sent = Object.keys(API_ERROR_STATUS).filter((code) => code !== 'account_unreachable');
  assert.deepEqual(document.components.schemas.Error.properties.code.enum, sent);
  for (const code of ['api_session_invalid', 'sign_in_failed', 'rate_limited', 'scim_error']) {
    assert.equal(isAccountErrorCode(code), false, `${code} is the API's own`);
  }
  assert.equal(isAccountErrorCode('member_not_found'), true);
});
