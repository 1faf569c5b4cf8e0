import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectIdp } from './idp-detect.ts';

test('each IdP the README names is recognised from its request headers; anything else is "other"', () => {
  assert.equal(detectIdp({ adscimversion: '2.0' }), 'entra');
  assert.equal(detectIdp({ 'user-agent': 'Microsoft.Identity.Provisioning' }), 'entra');
  assert.equal(detectIdp({ 'user-agent': 'Okta SCIM Client 1.0.0' }), 'okta');
  assert.equal(detectIdp({ 'user-agent': 'JumpCloud SCIM Client' }), 'jumpcloud');
  assert.equal(detectIdp({ 'user-agent': 'OneLogin SCIM Provisioner' }), 'onelogin');
  assert.equal(detectIdp({ 'user-agent': 'Rippling SCIM' }), 'rippling');
  assert.equal(detectIdp({ 'user-agent': 'curl/8.5.0' }), 'other');
  assert.equal(detectIdp({}), 'other');
  // A product name later in the string is not Okta: only a leading "Okta" is.
  assert.equal(detectIdp({ 'user-agent': 'Mozilla/5.0 (not okta)' }), 'other');
});
