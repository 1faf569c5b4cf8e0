/**
 * The member path over real HTTP on both databases, without a browser: the IdP creates a
 * user → the CLI's sign-up client signs up from the outbox link → the member signs in with
 * a proof and reads their sealed keys. And an existing person is matched without mail (P9).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runMemberSignup } from '../../src/cli/commands/member-signup.ts';
import { unlockMemberPrivateKey } from '../../src/crypto/member-keys.ts';
import { deriveSignInProof } from '../../src/crypto/sign-in-proof.ts';
import { makeMember } from '../../src/storage/contract-fixtures.ts';
import { testDatabases } from '../support/requirements.ts';
import { startTestSystem, type TestSystem, USER_SCHEMA } from '../support/system.ts';

const PASSWORD = 'over the hills and far away';

for (const db of testDatabases()) {
  describe(`member sign-up and sign-in over HTTP (${db})`, () => {
    let sys: TestSystem;
    before(async () => {
      sys = await startTestSystem({ db, env: { SCIMBRIDGE_PASSWORD_ITERATIONS: '1000' } });
    });
    after(() => sys?.close());

    async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
      return fetch(`${sys.system.accountAddress}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    }

    test('invited by the IdP, signed up by the client, signed in with a proof', async () => {
      const created = await sys.scim('POST', '/Users', {
        schemas: [USER_SCHEMA],
        userName: 'ren@example.com',
        emails: [{ value: 'ren@example.com', primary: true }],
      });
      assert.equal(created.status, 201, created.text);
      const mail = (await sys.store.listMail({ limit: 50 })).find(
        (message) => message.to === 'ren@example.com',
      );
      assert.equal(mail?.template, 'invitation');
      const link = `${sys.system.accountAddress}${new URL(sys.mailLink(mail!)).pathname}`;

      const outcome = await runMemberSignup({ link, password: PASSWORD });
      assert.equal(outcome.state, 'pending');
      const keys = await sys.store.getMemberKeys(created.body.id);
      await unlockMemberPrivateKey(keys!, PASSWORD);

      const parameters = await (await post('/signin/parameters', { email: 'ren@example.com' })).json();
      const proof = await deriveSignInProof(PASSWORD, parameters);
      const signedIn = await post('/signin', { email: 'ren@example.com', proof });
      assert.equal(signedIn.status, 200);
      const cookie = signedIn.headers.get('set-cookie')!.split(';')[0]!;
      const material = await fetch(`${sys.system.accountAddress}/member/keys`, { headers: { cookie } });
      assert.equal(material.status, 200);
      assert.deepEqual(await material.json(), {
        memberId: created.body.id,
        publicKey: keys!.publicKey,
        encryptedPrivateKey: keys!.encryptedPrivateKey,
      });

      // The IdP deactivates the person: the session stops working at once.
      const deactivated = await sys.scim('PATCH', `/Users/${created.body.id}`, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'replace', path: 'active', value: false }],
      });
      assert.equal(deactivated.status, 200, deactivated.text);
      const after = await fetch(`${sys.system.accountAddress}/member/keys`, { headers: { cookie } });
      assert.equal(after.status, 401);
    });

    test('a person who already exists is matched silently: no invitation, no mail (P9)', async () => {
      const now = new Date().toISOString();
      await sys.store.insertMember(
        makeMember(`existing-${db}`, {
          userName: 'kim@example.com',
          email: 'kim@example.com',
          displayName: 'Kim',
          managed: false,
          signedUpAt: now,
          confirmedAt: now,
          createdAt: now,
          updatedAt: now,
        }),
      );
      const mailBefore = (await sys.store.listMail({ limit: 1000 })).length;
      const created = await sys.scim('POST', '/Users', {
        schemas: [USER_SCHEMA],
        userName: 'kim@example.com',
      });
      assert.equal(created.status, 201, created.text);
      assert.equal(created.body.id, `existing-${db}`);
      assert.equal((await sys.store.listMail({ limit: 1000 })).length, mailBefore);
      assert.deepEqual(await sys.store.listInvitations(`existing-${db}`), []);
    });
  });
}
