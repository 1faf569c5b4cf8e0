/**
 * The account server's public address (SCIMBRIDGE_ACCOUNT_URL) is what every link in every
 * mail carries — invitation, e-mail change, account ready — whatever address the server
 * listens on (issue 13: examples used to leave links at http://localhost:8080).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runMemberSignup } from '../../src/cli/commands/member-signup.ts';
import { publicAddressWarnings } from '../../src/public-address.ts';
import { startTestSystem, type TestSystem, USER_SCHEMA } from '../support/system.ts';

const PUBLIC = 'https://accounts.example.test';

describe('links in mail carry the configured public address', () => {
  let sys: TestSystem;
  before(async () => {
    sys = await startTestSystem({
      env: { SCIMBRIDGE_ACCOUNT_URL: PUBLIC, SCIMBRIDGE_PASSWORD_ITERATIONS: '1000' },
    });
  });
  after(() => sys?.close());

  test('invitation, e-mail change and account-ready links all start with the public address', async () => {
    const created = await sys.scim('POST', '/Users', {
      schemas: [USER_SCHEMA],
      userName: 'lin@example.com',
      emails: [{ value: 'lin@example.com', primary: true }],
    });
    assert.equal(created.status, 201, created.text);
    const mailTo = async (template: string) => {
      const found = (await sys.store.listMail({ limit: 50 })).find(
        (message) => message.template === template,
      );
      assert.ok(found, `a ${template} mail`);
      return sys.mailLink(found);
    };
    const invitation = await mailTo('invitation');
    assert.match(invitation, /^https:\/\/accounts\.example\.test\/signup\/[\w-]+$/);

    // The member signs up through the page behind that link (reached here on loopback).
    const local = `${sys.system.accountAddress}${new URL(invitation).pathname}`;
    assert.equal(
      (await runMemberSignup({ link: local, password: 'a long enough password' })).state,
      'pending',
    );
    await sys.system.watcher.runNow();
    const ready = await mailTo('account_ready');
    assert.equal(new URL(ready).origin, PUBLIC);

    const changed = await sys.scim('PATCH', `/Users/${created.body.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [
        { op: 'replace', path: 'emails', value: [{ value: 'lin.new@example.com', primary: true }] },
      ],
    });
    assert.equal(changed.status, 200, changed.text);
    assert.match(await mailTo('email_change'), /^https:\/\/accounts\.example\.test\/email-change\/[\w-]+$/);
  });
});

test('start-up warns when links or the SCIM base URL point at this machine but the server listens beyond it', () => {
  const local = { accountUrl: 'http://localhost:8080', publicBridgeUrl: 'http://127.0.0.1:3002' };
  assert.deepEqual(
    publicAddressWarnings({ host: '127.0.0.1', ...local }, { account: true, bridge: true }),
    [],
  );
  assert.deepEqual(
    publicAddressWarnings({ host: 'localhost', ...local }, { account: true, bridge: true }),
    [],
  );
  const wide = publicAddressWarnings({ host: '0.0.0.0', ...local }, { account: true, bridge: true });
  assert.equal(wide.length, 2);
  assert.match(
    wide[0]!,
    /^links in e-mail and pages point at http:\/\/localhost:8080, which only this machine can open, while the account server listens on 0\.0\.0\.0: set --account-url \(SCIMBRIDGE_ACCOUNT_URL\)/,
  );
  assert.match(
    wide[1]!,
    /SCIM base URL is http:\/\/127\.0\.0\.1:3002\/scim\/v2, .* set --public-url \(SCIMBRIDGE_PUBLIC_URL\)/,
  );
  assert.deepEqual(
    publicAddressWarnings(
      { host: '::', accountUrl: 'https://accounts.example.com', publicBridgeUrl: 'https://scim.example.com' },
      { account: true, bridge: true },
    ),
    [],
  );
  assert.equal(
    publicAddressWarnings({ host: '0.0.0.0', ...local }, { account: false, bridge: true }).length,
    1,
  );
});
