/**
 * Resources as the RFC describes them: every User rendered with what the account knows of
 * it, and /Schemas saying what a create needs, so that a client reading it gets it right
 * the first time (RFC 7643 §4.1, §7; RFC 7644 §4).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeMember } from '../../src/storage/contract-fixtures.ts';
import { startTestSystem, type TestSystem, USER_SCHEMA } from '../support/system.ts';

interface SchemaAttribute {
  name: string;
  type: string;
  multiValued: boolean;
  required: boolean;
  mutability: string;
  subAttributes?: SchemaAttribute[];
}

for (const transport of ['in-process', 'http'] as const) {
  describe(`Users rendered with what the account knows (${transport})`, () => {
    let sys: TestSystem;
    const earlyId = `early-${transport}`;

    before(async () => {
      sys = await startTestSystem({ accountTransport: transport });
      const now = new Date().toISOString();
      // A member the account had before provisioning: no profile at all.
      await sys.store.insertMember(
        makeMember(earlyId, {
          userName: 'kim.lee@example.com',
          email: 'kim.lee@example.com',
          displayName: 'Kim Lee',
          givenName: 'Kim',
          familyName: 'Lee',
          managed: false,
          signedUpAt: now,
          confirmedAt: now,
          createdAt: now,
          updatedAt: now,
        }),
      );
    });
    after(async () => {
      await sys.close();
    });

    test('every User in a list has emails (the address, primary) and a name, the owner first', async () => {
      const list = await sys.scim('GET', '/Users?count=100');
      assert.equal(list.status, 200, list.text);
      assert.ok(list.body.Resources.length >= 2);
      for (const user of list.body.Resources) {
        assert.equal(user.emails?.length, 1, JSON.stringify(user));
        assert.equal(user.emails[0].primary, true);
        assert.match(user.emails[0].value, /@/);
        assert.equal(typeof user.name?.formatted, 'string', JSON.stringify(user));
      }
      const owner = list.body.Resources.find((u: { id: string }) => u.id !== earlyId);
      assert.equal(owner.emails[0].value, owner.userName);
      assert.deepEqual(owner.name, { formatted: owner.userName }, 'no name known: named by userName');
    });

    test('a member made before provisioning shows the account address and names', async () => {
      const read = await sys.scim('GET', `/Users/${earlyId}`);
      assert.equal(read.status, 200, read.text);
      assert.deepEqual(read.body.emails, [{ value: 'kim.lee@example.com', primary: true }]);
      assert.deepEqual(read.body.name, { formatted: 'Kim Lee', familyName: 'Lee', givenName: 'Kim' });
      assert.equal(read.body.displayName, 'Kim Lee');
      const filtered = await sys.scim(
        'GET',
        `/Users?filter=${encodeURIComponent('emails.value eq "kim.lee@example.com"')}&attributes=emails,name`,
      );
      assert.equal(filtered.body.totalResults, 1);
      assert.deepEqual(filtered.body.Resources[0].emails, read.body.emails);
    });

    test('what the IdP set is shown as it set it', async () => {
      const created = await sys.scim('POST', '/Users', {
        schemas: [USER_SCHEMA],
        userName: `idp.user.${transport}@example.com`,
        emails: [
          { value: `idp.user.${transport}@example.com`, type: 'work', primary: true },
          { value: `home.${transport}@example.net`, type: 'home' },
        ],
        name: { givenName: 'Idp', familyName: 'User' },
      });
      assert.equal(created.status, 201, created.text);
      assert.equal(created.body.emails.length, 2);
      assert.deepEqual(created.body.name, { givenName: 'Idp', familyName: 'User' });
    });
  });
}

describe('/Schemas says what a create needs', () => {
  let sys: TestSystem;
  before(async () => {
    sys = await startTestSystem();
  });
  after(async () => {
    await sys.close();
  });

  /** A client that knows the RFC's attribute meanings but nothing of this server. */
  function valueFor(attribute: SchemaAttribute, n: number): unknown {
    if (attribute.name === 'emails') return [{ value: `generic.client.${n}@example.com` }];
    if (attribute.type === 'complex') {
      const item: Record<string, unknown> = {};
      for (const sub of attribute.subAttributes ?? []) {
        if (sub.required || sub.name === 'value') item[sub.name] = valueFor(sub, n);
      }
      return attribute.multiValued ? [item] : item;
    }
    const single = attribute.type === 'boolean' ? true : `generic-${attribute.name}-${n}`;
    return attribute.multiValued ? [single] : single;
  }

  test('a generic client that fills the required attributes creates a user on the first try', async () => {
    const schema = await sys.scim('GET', `/Schemas/${USER_SCHEMA}`);
    assert.equal(schema.status, 200, schema.text);
    const required = (schema.body.attributes as SchemaAttribute[]).filter(
      (a) => a.required && a.mutability !== 'readOnly',
    );
    assert.deepEqual(required.map((a) => a.name).sort(), ['emails', 'userName']);
    const body: Record<string, unknown> = { schemas: [USER_SCHEMA] };
    for (const attribute of required) body[attribute.name] = valueFor(attribute, 1);
    const created = await sys.scim('POST', '/Users', body);
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.userName, 'generic-userName-1');
    assert.equal(created.body.emails[0].value, 'generic.client.1@example.com');

    // And each required attribute is really required: leaving one out is refused.
    for (const left of required) {
      const partial: Record<string, unknown> = { schemas: [USER_SCHEMA] };
      for (const attribute of required)
        if (attribute !== left) partial[attribute.name] = valueFor(attribute, 2);
      const refused = await sys.scim('POST', '/Users', partial);
      assert.equal(refused.status, 400, `${left.name} left out: ${refused.text}`);
      assert.equal(refused.body.scimType, 'invalidValue');
    }
  });

  test('a userName that is an e-mail address still stands in for emails', async () => {
    const created = await sys.scim('POST', '/Users', {
      schemas: [USER_SCHEMA],
      userName: 'only.username@example.com',
    });
    assert.equal(created.status, 201, created.text);
    assert.deepEqual(created.body.emails, [{ value: 'only.username@example.com', primary: true }]);
  });
});
