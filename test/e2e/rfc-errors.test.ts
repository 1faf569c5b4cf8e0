/**
 * Every answer the SCIM surface gives to a request it cannot serve is a SCIM Error (RFC 7644
 * §3.12): read-only discovery endpoints, wrong methods, unknown routes, content types,
 * SearchRequest bodies, filters that compare unlike types, and the framework's own refusals.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  ERROR_SCHEMA,
  type ScimResponse,
  startTestSystem,
  type TestSystem,
  USER_SCHEMA,
} from '../support/system.ts';

const SEARCH_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';

function assertScimError(res: ScimResponse, status: number, scimType?: string): void {
  assert.equal(res.status, status, res.text);
  assert.match(res.headers.get('content-type') ?? '', /^application\/scim\+json/);
  assert.deepEqual(res.body.schemas, [ERROR_SCHEMA]);
  assert.equal(res.body.status, String(status));
  assert.equal(res.body.scimType, scimType);
  assert.ok(typeof res.body.detail === 'string' && res.body.detail.length > 0);
}

/** Sends raw bytes and returns the raw answer, for requests fetch() would refuse to make. */
async function rawRequest(sys: TestSystem, text: string): Promise<{ head: string; body: string }> {
  const url = new URL(sys.scimUrl);
  const answer = await new Promise<string>((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname, () => socket.write(text));
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => {
      data += chunk;
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(data));
  });
  const split = answer.indexOf('\r\n\r\n');
  return { head: answer.slice(0, split), body: answer.slice(split + 4) };
}

describe('SCIM errors for everything the surface refuses', () => {
  let sys: TestSystem;

  before(async () => {
    sys = await startTestSystem();
    const created = await sys.scim('POST', '/Users', {
      schemas: [USER_SCHEMA],
      userName: 'errors.alice@example.com',
      emails: [{ value: 'errors.alice@example.com', primary: true }],
    });
    assert.equal(created.status, 201, created.text);
  });
  after(async () => {
    await sys.close();
  });

  for (const path of [
    '/ServiceProviderConfig',
    '/ResourceTypes',
    '/ResourceTypes/User',
    '/Schemas',
    `/Schemas/${USER_SCHEMA}`,
  ]) {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      test(`${method} ${path} is 405 with Allow, whatever the body`, async () => {
        for (const body of [undefined, '{"not json', JSON.stringify({ schemas: [USER_SCHEMA] })]) {
          const res = await sys.scim(method, path, body);
          assertScimError(res, 405);
          assert.equal(res.headers.get('allow'), 'GET, HEAD');
        }
      });
    }
  }

  test('a 10 MB body to a discovery endpoint is refused with 405 before it is read', async () => {
    const res = await sys.scim('POST', '/Schemas', `{"x":"${'a'.repeat(10 * 1024 * 1024)}"}`);
    assertScimError(res, 405);
  });

  test('a known endpoint with a method it does not serve is 405, not 404', async () => {
    const users = await sys.scim('DELETE', '/Users');
    assertScimError(users, 405);
    assert.equal(users.headers.get('allow'), 'GET, POST, HEAD');
    const bulk = await sys.scim('GET', '/Bulk');
    assertScimError(bulk, 405);
    assert.equal(bulk.headers.get('allow'), 'POST');
  });

  test('an unknown route under /scim/v2 is a SCIM 404', async () => {
    assertScimError(await sys.scim('GET', '/Widgets'), 404);
    assertScimError(await sys.scim('POST', '/Users/x/y', { a: 1 }), 404);
  });

  test('a body that is not JSON says what to send: 415 naming both JSON types', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      const res = await sys.scim('POST', '/Users', '{"userName":"x@example.com"}', { 'content-type': type });
      assertScimError(res, 415);
      assert.match(res.body.detail, /application\/scim\+json or application\/json/);
    }
  });

  test('malformed JSON is 400 invalidSyntax', async () => {
    assertScimError(await sys.scim('POST', '/Users', '{"userName": '), 400, 'invalidSyntax');
  });

  test('a malformed percent-encoding in the path is 400 invalidSyntax', async () => {
    assertScimError(await sys.scim('GET', '/Users/%E0%A4%A'), 400, 'invalidSyntax');
  });

  test('headers over the limit are answered 431 with a SCIM Error body', async () => {
    const { head, body } = await rawRequest(
      sys,
      `GET /scim/v2/Users HTTP/1.1\r\nHost: bridge.test\r\nX-Padding: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    assert.match(head, /^HTTP\/1\.1 431 /);
    assert.match(head, /content-type: application\/scim\+json/i);
    const error = JSON.parse(body);
    assert.deepEqual(error.schemas, [ERROR_SCHEMA]);
    assert.equal(error.status, '431');
  });

  test('a request line that is not HTTP is answered 400 invalidSyntax with a SCIM Error body', async () => {
    const { head, body } = await rawRequest(sys, 'GET /scim/v2/Users HTTP/1.1\r\nHost bridge.test\r\n\r\n');
    assert.match(head, /^HTTP\/1\.1 400 /);
    const error = JSON.parse(body);
    assert.deepEqual(error.schemas, [ERROR_SCHEMA]);
    assert.equal(error.scimType, 'invalidSyntax');
  });

  for (const path of ['/.search', '/Users/.search', '/Groups/.search']) {
    test(`POST ${path} with a body that is not a SearchRequest is 400 invalidSyntax`, async () => {
      assertScimError(await sys.scim('POST', path, { filter: 'userName eq "x"' }), 400, 'invalidSyntax');
      assertScimError(await sys.scim('POST', path, { schemas: ['urn:nope'] }), 400, 'invalidSyntax');
      assertScimError(await sys.scim('POST', path, '[1, 2]'), 400, 'invalidSyntax');
      assertScimError(await sys.scim('POST', path, '"text"'), 400, 'invalidSyntax');
      assertScimError(await sys.scim('POST', path, undefined), 400, 'invalidSyntax');
    });
  }

  test('POST /.search at the root lists Users and then Groups, paged across both', async () => {
    const group = await sys.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Root Search' });
    assert.equal(group.status, 201, group.text);
    const all = await sys.scim('POST', '/.search', { schemas: [SEARCH_REQUEST], count: 1000 });
    assert.equal(all.status, 200, all.text);
    const users = await sys.scim('GET', '/Users?count=0');
    const groups = await sys.scim('GET', '/Groups?count=0');
    assert.equal(all.body.totalResults, users.body.totalResults + groups.body.totalResults);
    assert.equal(all.body.Resources.length, all.body.totalResults);
    const lastPage = await sys.scim('POST', '/.search', {
      schemas: [SEARCH_REQUEST],
      startIndex: all.body.totalResults,
      count: 10,
    });
    assert.equal(lastPage.body.Resources.length, 1);
    assert.equal(lastPage.body.Resources[0].id, all.body.Resources.at(-1).id);
    const filtered = await sys.scim('POST', '/.search', {
      schemas: [SEARCH_REQUEST],
      filter: 'displayName eq "Root Search"',
    });
    assert.equal(filtered.status, 200, filtered.text);
    assert.deepEqual(
      filtered.body.Resources.map((r: { id: string }) => r.id),
      [group.body.id],
    );
    // userName exists only on Users: the Groups are left out, not refused.
    const byUserName = await sys.scim('POST', '/.search', {
      schemas: [SEARCH_REQUEST],
      filter: 'userName eq "errors.alice@example.com"',
    });
    assert.equal(byUserName.status, 200, byUserName.text);
    assert.equal(byUserName.body.totalResults, 1);
  });

  for (const filter of [
    'userName gt 5',
    'userName eq 5',
    'userName co 5',
    'displayName lt 1.5',
    'emails.value eq 42',
    'emails[value eq 42]',
    'externalId eq true',
    'active eq 1',
    'meta.created gt 5',
    'active eq "yes"',
  ]) {
    test(`filter ${filter} compares unlike types: 400 invalidFilter`, async () => {
      const res = await sys.scim('GET', `/Users?filter=${encodeURIComponent(filter)}`);
      assertScimError(res, 400, 'invalidFilter');
    });
  }

  test('a boolean filter takes true and false, and the strings IdPs send for them', async () => {
    for (const filter of ['active eq true', 'active eq "true"', 'active eq "True"']) {
      const res = await sys.scim('GET', `/Users?filter=${encodeURIComponent(filter)}`);
      assert.equal(res.status, 200, `${filter}: ${res.text}`);
      assert.ok(res.body.totalResults >= 1);
    }
    const inactive = await sys.scim('GET', `/Users?filter=${encodeURIComponent('active eq "False"')}`);
    assert.equal(inactive.status, 200, inactive.text);
    assert.equal(inactive.body.totalResults, 0);
  });

  test('a group filter on a number is 400 invalidFilter too', async () => {
    assertScimError(
      await sys.scim('GET', `/Groups?filter=${encodeURIComponent('displayName gt 5')}`),
      400,
      'invalidFilter',
    );
  });
});
