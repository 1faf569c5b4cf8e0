import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { resourceType, resourceTypes, schema, schemas, serviceProviderConfig } from './discovery.ts';
import { ENTERPRISE_USER_SCHEMA } from './schemas/enterprise-user.ts';
import {
  ENTERPRISE_USER_URN,
  GROUP_URN,
  RESOURCE_TYPE_URN,
  SCHEMA_URN,
  SERVICE_PROVIDER_CONFIG_URN,
  USER_URN,
} from './schemas/urns.ts';

const BASE = 'https://bridge.example.com/scim/v2';

describe('serviceProviderConfig', () => {
  const doc = serviceProviderConfig({
    documentationUri: 'https://docs.example.com/scim',
    bulk: { maxOperations: 1000, maxPayloadSize: 1_048_576 },
    filterMaxResults: 200,
    etag: true,
    changePassword: false,
    sort: true,
    baseUrl: `${BASE}/`,
  });

  test('advertises exactly the supported features with their limits', () => {
    assert.deepEqual(doc.schemas, [SERVICE_PROVIDER_CONFIG_URN]);
    assert.equal(doc.documentationUri, 'https://docs.example.com/scim');
    assert.deepEqual(doc.patch, { supported: true });
    assert.deepEqual(doc.bulk, { supported: true, maxOperations: 1000, maxPayloadSize: 1_048_576 });
    assert.deepEqual(doc.filter, { supported: true, maxResults: 200 });
    assert.deepEqual(doc.changePassword, { supported: false });
    assert.deepEqual(doc.sort, { supported: true });
    assert.deepEqual(doc.etag, { supported: true });
  });

  test('bearer token is the one, primary, authentication scheme', () => {
    const schemes = doc.authenticationSchemes as Array<Record<string, unknown>>;
    assert.equal(schemes.length, 1);
    assert.equal(schemes[0]?.type, 'oauthbearertoken');
    assert.equal(schemes[0]?.primary, true);
  });

  test('meta names the resource type and the location without a double slash', () => {
    assert.deepEqual(doc.meta, {
      resourceType: 'ServiceProviderConfig',
      location: `${BASE}/ServiceProviderConfig`,
    });
  });

  test('documentationUri and location are left out when not configured', () => {
    const bare = serviceProviderConfig({
      bulk: { maxOperations: 1, maxPayloadSize: 1 },
      filterMaxResults: 1,
      etag: false,
      changePassword: false,
      sort: false,
    });
    assert.equal('documentationUri' in bare, false);
    assert.deepEqual(bare.meta, { resourceType: 'ServiceProviderConfig' });
    assert.deepEqual(bare.etag, { supported: false });
  });
});

describe('resource types', () => {
  test('User with the optional enterprise extension, and Group', () => {
    const all = resourceTypes(BASE);
    assert.deepEqual(
      all.map((doc) => [doc.id, doc.endpoint, doc.schema]),
      [
        ['User', '/Users', USER_URN],
        ['Group', '/Groups', GROUP_URN],
      ],
    );
    const userType = all[0]!;
    assert.deepEqual(userType.schemas, [RESOURCE_TYPE_URN]);
    assert.deepEqual(userType.schemaExtensions, [{ schema: ENTERPRISE_USER_URN, required: false }]);
    assert.deepEqual(userType.meta, { resourceType: 'ResourceType', location: `${BASE}/ResourceTypes/User` });
  });
  test('lookup by name is case-insensitive; unknown names are undefined', () => {
    assert.equal(resourceType(BASE, 'group')?.endpoint, '/Groups');
    assert.equal(resourceType(BASE, 'Device'), undefined);
  });
});

describe('schemas', () => {
  test('one document per schema, each the definition plus schemas and meta', () => {
    const all = schemas(BASE);
    assert.deepEqual(
      all.map((doc) => doc.id),
      [USER_URN, ENTERPRISE_USER_URN, GROUP_URN],
    );
    const enterprise = all[1]!;
    assert.deepEqual(enterprise.schemas, [SCHEMA_URN]);
    assert.equal(enterprise.attributes, ENTERPRISE_USER_SCHEMA.attributes);
    assert.deepEqual(enterprise.meta, {
      resourceType: 'Schema',
      location: `${BASE}/Schemas/${ENTERPRISE_USER_URN}`,
    });
  });
  test('the User schema advertises password as writeOnly/never and omits common attributes (RFC 7643 §3.1)', () => {
    const userSchema = schema(BASE, USER_URN.toLowerCase());
    const attributes = userSchema?.attributes as Array<{
      name: string;
      mutability: string;
      returned: string;
    }>;
    const password = attributes.find((a) => a.name === 'password');
    assert.deepEqual([password?.mutability, password?.returned], ['writeOnly', 'never']);
    assert.equal(
      attributes.some((a) => a.name === 'id' || a.name === 'meta'),
      false,
    );
  });
  test('unknown schema ids are undefined', () => assert.equal(schema(BASE, 'urn:example:nope'), undefined));
  test('documents are built once per base URL', () => assert.equal(schemas(BASE), schemas(BASE)));
});
