/**
 * The member commands against a running system: resend and re-invite write straight to the
 * database the server is using (so they work with or without it), and `member signup`
 * signs a person up over HTTP with the same crypto as the page.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MemberSignupError, runMemberSignup } from '../../src/cli/commands/member-signup.ts';
import { unlockMemberPrivateKey } from '../../src/crypto/member-keys.ts';
import { execCliOn, startTestSystem, type TestSystem, USER_SCHEMA } from '../support/system.ts';

const PASSWORD = 'a long enough password for tests';

let sys: TestSystem;

before(async () => {
  sys = await startTestSystem({ env: { SCIMBRIDGE_PASSWORD_ITERATIONS: '1000' } });
});
after(() => sys?.close());

const cli = (...args: string[]) => execCliOn(sys, ...args);

async function invitationLinks(email: string): Promise<string[]> {
  return (await sys.store.listMail({ limit: 100 }))
    .filter(
      (message) =>
        message.template === 'invitation' && message.to === email && message.data.sealedLink !== undefined,
    )
    .map((message) => `${sys.system.accountAddress}${new URL(sys.mailLink(message)).pathname}`);
}

async function provision(email: string): Promise<string> {
  const created = await sys.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: email });
  assert.equal(created.status, 201, created.text);
  return created.body.id as string;
}

describe('scimbridge member', () => {
  test('signup over HTTP: pending, with keys that open with the password', async () => {
    const id = await provision('cli.one@example.com');
    const [link] = await invitationLinks('cli.one@example.com');
    const outcome = await runMemberSignup({ link: link!, password: PASSWORD });
    assert.deepEqual(outcome, { email: 'cli.one@example.com', accountName: 'My Team', state: 'pending' });
    assert.equal((await sys.store.getMember(id))!.state, 'pending');
    await unlockMemberPrivateKey((await sys.store.getMemberKeys(id))!, PASSWORD);
    await assert.rejects(runMemberSignup({ link: link!, password: PASSWORD }), /already been used/);
    await assert.rejects(runMemberSignup({ link: link!, password: 'short' }), /too short/);
    await assert.rejects(runMemberSignup({ link: 'not a url', password: PASSWORD }), MemberSignupError);
    await assert.rejects(
      runMemberSignup({ link: `${sys.system.accountAddress}/elsewhere`, password: PASSWORD }),
      /sign-up link/,
    );
  });

  test('resend while the server runs: a new link works, the old one is dead; re-invite names resend', async () => {
    const id = await provision('cli.two@example.com');
    const [first] = await invitationLinks('cli.two@example.com');
    const resent = await cli('member', 'resend', '--email', 'cli.two@example.com');
    assert.equal(resent.code, 0, resent.stderr);
    assert.match(resent.stdout, /new invitation for cli\.two@example\.com is in the outbox/);
    assert.ok(!resent.stdout.includes('/signup/'), 'the link is not printed unless asked');
    // The first mail, still queued, is given up with its link: only the new one can go out.
    const links = await invitationLinks('cli.two@example.com');
    assert.equal(links.length, 1);
    const fresh = links[0]!;
    assert.notEqual(fresh, first);

    const reinvite = await cli('member', 'reinvite', '--email', 'cli.two@example.com');
    assert.equal(reinvite.code, 1);
    assert.match(reinvite.stderr, /use resend/);

    const passwordFile = path.join(sys.dataDir, 'password.txt');
    await writeFile(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
    const old = await cli('member', 'signup', '--invite-link', first!, '--password-file', passwordFile);
    assert.equal(old.code, 1);
    assert.match(old.stderr, /newer invitation replaced it/);
    const signup = await cli('member', 'signup', '--invite-link', fresh, '--password-file', passwordFile);
    assert.equal(signup.code, 0, signup.stderr);
    assert.match(signup.stdout, /Signed up to My Team as cli\.two@example\.com; the account is pending/);
    await unlockMemberPrivateKey((await sys.store.getMemberKeys(id))!, PASSWORD);

    const unknown = await cli('member', 'resend', '--email', 'nobody@example.com');
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no member has the e-mail address nobody@example\.com/);
  });
});
