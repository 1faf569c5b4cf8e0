import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JSON_CONTENT_TYPE, responseContentType, SCIM_CONTENT_TYPE } from './content-type.ts';

test('application/scim+json unless the client asks for plain JSON only (RFC 7644 §8.1)', () => {
  assert.equal(responseContentType({}), SCIM_CONTENT_TYPE);
  assert.equal(responseContentType({ accept: '*/*' }), SCIM_CONTENT_TYPE);
  assert.equal(responseContentType({ accept: 'application/scim+json' }), SCIM_CONTENT_TYPE);
  assert.equal(responseContentType({ accept: 'application/json, application/scim+json' }), SCIM_CONTENT_TYPE);
  assert.equal(responseContentType({ accept: 'application/json' }), JSON_CONTENT_TYPE);
  assert.equal(responseContentType({ accept: 'Application/JSON; charset=utf-8' }), JSON_CONTENT_TYPE);
  assert.equal(
    responseContentType({ accept: 'application/scim+json;q=0.5, application/json' }),
    JSON_CONTENT_TYPE,
  );
  assert.equal(
    responseContentType({ accept: 'application/json;q=0, application/scim+json' }),
    SCIM_CONTENT_TYPE,
  );
  assert.equal(responseContentType({ accept: 'application/json;q=abc' }), SCIM_CONTENT_TYPE);
});

test('OneLogin gets application/json even without an Accept header; asking for SCIM JSON wins', () => {
  assert.equal(responseContentType({ 'user-agent': 'OneLogin SCIM' }), JSON_CONTENT_TYPE);
  assert.equal(responseContentType({ 'user-agent': 'OneLogin SCIM', accept: '*/*' }), JSON_CONTENT_TYPE);
  assert.equal(
    responseContentType({ 'user-agent': 'OneLogin SCIM', accept: 'application/scim+json' }),
    SCIM_CONTENT_TYPE,
  );
});
