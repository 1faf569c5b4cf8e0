/**
 * Invitations, sign-up and member sign-in as use cases, on both databases: what a member
 * and an operator notice (links that work once, states, the outbox), and what must never
 * be stored (tokens and proofs in the clear).
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import {
  type Fixture,
  latestInvitationToken,
  memberInput,
  openFixture,
  signupSubmission,
  TEST_SIGNUP,
} from '../../test/support/account-fixture.ts';
import { testDatabases } from '../../test/support/requirements.ts';
import { unlockMemberPrivateKey } from '../crypto/member-keys.ts';
import { deriveSignInProof } from '../crypto/sign-in-proof.ts';
import { completeSignup, parseSignupSubmission, viewInvitation } from './complete-signup.ts';
import { createMember } from './create-member.ts';
import { deleteMember } from './delete-member.ts';
import { hashInvitationToken } from './invitations.ts';
import { memberOfSession, signIn, signInParameters, signOut } from './member-sign-in.ts';
import { reinviteMember } from './reinvite-member.ts';
import { resendInvitation } from './resend-invitation.ts';
import { SignupError } from './signup-errors.ts';
import { updateMember } from './update-member.ts';

const DAY = 24 * 3600 * 1000;
const PASSWORD = 'correct horse battery staple';

async function signupCode(work: () => Promise<unknown>): Promise<string> {
  try {
    await work();
  } catch (error) {
    if (error instanceof SignupError) return error.code;
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    throw error;
  }
  throw new Error('expected an error, but the call succeeded');
}

for (const db of testDatabases()) {
  describe(`invitations and sign-up (${db})`, () => {
    let f: Fixture;
    beforeEach(async () => {
      f = await openFixture({ db, signup: TEST_SIGNUP });
    });
    afterEach(() => f.close());

    async function invite(email = 'grace@acme.test') {
      const member = await createMember(f.deps, memberInput({ email }));
      return { member, token: await latestInvitationToken(f, email) };
    }

    test('a new person gets a link under the account URL; only its digest is stored', async () => {
      const { member, token } = await invite();
      const [mail] = await f.mail();
      assert.equal(mail!.data.link, `https://team.example.test/signup/${token}`);
      assert.equal(mail!.data.expiresAt, '2025-03-08T09:00:00.000Z');
      const invitations = await f.deps.store.listInvitations(member.id);
      assert.equal(invitations.length, 1);
      assert.equal(invitations[0]!.tokenHash, hashInvitationToken(token));
      assert.ok(!JSON.stringify(invitations).includes(token));
      const view = await viewInvitation(f.deps, token);
      assert.deepEqual(view, {
        accountName: 'Acme',
        email: 'grace@acme.test',
        displayName: 'Grace Hopper',
        expiresAt: '2025-03-08T09:00:00.000Z',
        passwordIterations: 1000,
        ownerSetup: false,
      });
    });

    test('an existing member is matched silently: no invitation, no mail (P9)', async () => {
      await f.deps.store.insertMember({
        ...f.owner,
        id: 'm-existing',
        userName: 'ada',
        email: 'ada@acme.test',
        role: 'member',
        managed: false,
        state: 'active',
      });
      await createMember(f.deps, memberInput({ email: 'ada@acme.test', userName: 'ada' }));
      assert.deepEqual(await f.mail(), []);
      assert.deepEqual(await f.deps.store.listInvitations('m-existing'), []);
    });

    test('sign-up makes the member pending with keys that open with the password, in one step', async () => {
      const { member, token } = await invite();
      const submission = await signupSubmission(PASSWORD);
      f.advance(60_000);
      const outcome = await completeSignup(f.deps, token, submission);
      assert.equal(outcome.repeated, false);
      const stored = await f.deps.store.getMember(member.id);
      assert.equal(stored!.state, 'pending');
      assert.equal(stored!.signedUpAt, '2025-03-01T09:01:00.000Z');
      const keys = await f.deps.store.getMemberKeys(member.id);
      assert.equal(keys!.publicKey, submission.publicKey);
      await unlockMemberPrivateKey(keys!, PASSWORD);
      const credential = await f.deps.store.getMemberCredential(member.id);
      assert.equal(credential!.proofSalt, submission.proofSalt);
      assert.match(credential!.proofHash, /^scrypt\$32768\$8\$1\$/);
      assert.ok(!credential!.proofHash.includes(submission.proof), 'the proof is stored only hashed');
      assert.notEqual((await f.deps.store.listInvitations(member.id))[0]!.usedAt, null);
      const last = (await f.activity()).at(-1)!;
      assert.equal(last.action, 'member.signed_up');
      assert.equal(last.actor, 'member');
    });

    test('the same submission again is harmless; other keys on a used link are refused and change nothing', async () => {
      const { member, token } = await invite();
      const submission = await signupSubmission(PASSWORD);
      await completeSignup(f.deps, token, submission);
      const before = await f.deps.store.getMember(member.id);
      const again = await completeSignup(f.deps, token, submission);
      assert.equal(again.repeated, true);
      assert.deepEqual(await f.deps.store.getMember(member.id), before);
      const other = await signupSubmission('another long password');
      assert.equal(await signupCode(() => completeSignup(f.deps, token, other)), 'invitation_used');
      assert.equal((await f.deps.store.getMemberKeys(member.id))!.publicKey, submission.publicKey);
      assert.equal(await signupCode(() => viewInvitation(f.deps, token)), 'invitation_used');
    });

    test('two submits at the same moment: the same keys are one sign-up; different keys, one wins', async () => {
      const { member, token } = await invite();
      const submission = await signupSubmission(PASSWORD);
      const both = await Promise.all([
        completeSignup(f.deps, token, submission),
        completeSignup(f.deps, token, submission),
      ]);
      assert.deepEqual(both.map((outcome) => outcome.repeated).sort(), [false, true]);
      assert.equal((await f.actions()).filter((action) => action === 'member.signed_up').length, 1);

      const second = await invite('lin@acme.test');
      const [a, b] = await Promise.all([
        signupSubmission('first long password'),
        signupSubmission('second long password'),
      ]);
      const results = await Promise.allSettled([
        completeSignup(f.deps, second.token, a),
        completeSignup(f.deps, second.token, b),
      ]);
      const won = results.findIndex((result) => result.status === 'fulfilled');
      assert.equal(results.filter((result) => result.status === 'fulfilled').length, 1);
      const lost = results[1 - won] as PromiseRejectedResult;
      assert.equal((lost.reason as SignupError).code, 'invitation_used');
      assert.equal((await f.deps.store.getMemberKeys(second.member.id))!.publicKey, [a, b][won]!.publicKey);
      assert.equal((await f.deps.store.getMember(member.id))!.state, 'pending');
    });

    test('expired, forged and malformed links are refused and change nothing', async () => {
      const { member, token } = await invite();
      const submission = await signupSubmission(PASSWORD);
      const forged = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
      assert.equal(await signupCode(() => viewInvitation(f.deps, forged)), 'invitation_unknown');
      assert.equal(await signupCode(() => completeSignup(f.deps, forged, submission)), 'invitation_unknown');
      assert.equal(await signupCode(() => viewInvitation(f.deps, 'short')), 'invitation_unknown');
      assert.equal(await signupCode(() => viewInvitation(f.deps, `${token}/../x`)), 'invitation_unknown');
      f.advance(7 * DAY);
      assert.equal(await signupCode(() => viewInvitation(f.deps, token)), 'invitation_expired');
      assert.equal(await signupCode(() => completeSignup(f.deps, token, submission)), 'invitation_expired');
      assert.equal((await f.deps.store.getMember(member.id))!.state, 'invited');
      assert.equal(await f.deps.store.getMemberKeys(member.id), undefined);
      assert.equal(await f.deps.store.getMemberCredential(member.id), undefined);
    });

    test('suspension revokes the link, which then says the account is suspended, and drops the queued mail; reactivation before sign-up sends a new one', async () => {
      const { member, token } = await invite();
      await updateMember(f.deps, member.id, memberInput({ active: false }));
      assert.equal(await signupCode(() => viewInvitation(f.deps, token)), 'member_suspended');
      await assert.rejects(() => viewInvitation(f.deps, token), /account is suspended/);
      const submission = await signupSubmission(PASSWORD);
      assert.equal(await signupCode(() => completeSignup(f.deps, token, submission)), 'member_suspended');
      // The queued invitation is never sent: it is failed, says why, and keeps no link.
      const [dropped] = await f.mail();
      assert.equal(dropped!.state, 'failed');
      assert.equal(dropped!.lastError, 'not sent: the member was suspended');
      assert.equal(dropped!.data.link, undefined);
      await updateMember(f.deps, member.id, memberInput({ active: true }));
      const mails = await f.mail();
      assert.deepEqual(
        mails.map((m) => m.state),
        ['failed', 'queued'],
        'the new invitation is queued',
      );
      const fresh = await latestInvitationToken(f, 'grace@acme.test');
      assert.notEqual(fresh, token);
      await completeSignup(f.deps, fresh, submission);
      assert.equal((await f.deps.store.getMember(member.id))!.state, 'pending');
    });

    test('a member deleted through SCIM cannot sign up with an old link', async () => {
      const { member, token } = await invite();
      await deleteMember(f.deps, member.id);
      assert.equal(await signupCode(() => viewInvitation(f.deps, token)), 'member_suspended');
      assert.deepEqual(
        (await f.mail()).map((m) => m.state),
        ['failed'],
      );
    });

    test('reactivated under another address (P15): the previous person keeps their keys; the new one is invited', async () => {
      const { member, token } = await invite();
      const submission = await signupSubmission(PASSWORD);
      await completeSignup(f.deps, token, submission);
      await updateMember(f.deps, member.id, memberInput({ active: false }));
      await updateMember(
        f.deps,
        member.id,
        memberInput({ email: 'grace.h@acme.test', userName: 'grace.h@acme.test' }),
      );
      const previous = (await f.deps.store.findMemberByEmail('grace@acme.test'))!;
      assert.notEqual(previous.id, member.id);
      assert.equal((await f.deps.store.getMemberKeys(previous.id))!.publicKey, submission.publicKey);
      assert.equal((await f.deps.store.getMemberCredential(previous.id))!.proofSalt, submission.proofSalt);
      assert.equal(await f.deps.store.getMemberKeys(member.id), undefined);
      assert.equal(await f.deps.store.getMemberCredential(member.id), undefined);
      // The new person signs up with their own link and keys.
      const fresh = await latestInvitationToken(f, 'grace.h@acme.test');
      assert.equal((await viewInvitation(f.deps, fresh)).email, 'grace.h@acme.test');
      const theirs = await signupSubmission('the new person has a password');
      await completeSignup(f.deps, fresh, theirs);
      assert.equal((await f.deps.store.getMemberKeys(member.id))!.publicKey, theirs.publicKey);
      assert.equal((await f.deps.store.getMemberKeys(previous.id))!.publicKey, submission.publicKey);
    });

    test('resend: a new link, and the old one dies at once', async () => {
      const { member, token } = await invite();
      f.advance(DAY);
      const sent = await resendInvitation(f.deps, 'GRACE@acme.test');
      const fresh = sent.link.slice(sent.link.lastIndexOf('/') + 1);
      assert.equal(fresh, await latestInvitationToken(f, 'grace@acme.test'));
      assert.equal(sent.expiresAt, '2025-03-09T09:00:00.000Z');
      assert.equal(await signupCode(() => viewInvitation(f.deps, token)), 'invitation_revoked');
      assert.equal((await viewInvitation(f.deps, fresh)).email, 'grace@acme.test');
      assert.equal((await f.actions()).at(-1), 'member.invitation_resent');
      const mails = (await f.mail()).filter((m) => m.to === 'grace@acme.test');
      assert.equal(mails.length, 2);
      // Only the mail with the working link is still to be sent.
      assert.deepEqual(
        mails.map((m) => [m.state, m.data.link === undefined ? 'no link' : 'link', m.lastError]),
        [
          ['failed', 'no link', 'not sent: replaced by a newer invitation'],
          ['queued', 'link', null],
        ],
      );
      assert.equal(member.state, 'invited');
    });

    test('re-invite: for an expired link or a failed mail; each command names the other when it does not apply', async () => {
      await invite();
      assert.equal(await signupCode(() => reinviteMember(f.deps, 'grace@acme.test')), 'not_invitable');
      f.advance(8 * DAY);
      assert.equal(await signupCode(() => resendInvitation(f.deps, 'grace@acme.test')), 'not_invitable');
      const sent = await reinviteMember(f.deps, 'grace@acme.test');
      const fresh = sent.link.slice(sent.link.lastIndexOf('/') + 1);
      assert.equal((await viewInvitation(f.deps, fresh)).email, 'grace@acme.test');
      assert.equal((await f.actions()).at(-1), 'member.reinvited');

      // The mail of the new link bounced for good: re-invite applies although the link is open.
      const mail = (await f.mail()).at(-1)!;
      await f.deps.store.updateMail({ ...mail, state: 'failed', lastError: '550 no such user' });
      const again = await reinviteMember(f.deps, 'grace@acme.test');
      assert.notEqual(again.link, sent.link);
    });

    test('resend and re-invite refuse unknown, signed-up and suspended members', async () => {
      const { member, token } = await invite();
      assert.equal(await signupCode(() => resendInvitation(f.deps, 'nobody@acme.test')), 'member_not_found');
      await completeSignup(f.deps, token, await signupSubmission(PASSWORD));
      assert.equal(await signupCode(() => resendInvitation(f.deps, 'grace@acme.test')), 'not_invitable');
      assert.equal(await signupCode(() => reinviteMember(f.deps, 'grace@acme.test')), 'not_invitable');
      await updateMember(f.deps, member.id, memberInput({ active: false }));
      assert.equal(await signupCode(() => reinviteMember(f.deps, 'grace@acme.test')), 'not_invitable');
    });

    test('submissions with bad fields are refused with the field named', () => {
      const good = {
        publicKey: 'A'.repeat(43),
        encryptedPrivateKey: `sbk1.1000.${'A'.repeat(22)}.${'A'.repeat(16)}.${'A'.repeat(86)}`,
        proof: 'A'.repeat(43),
        proofSalt: 'A'.repeat(22),
        proofIterations: 1000,
      };
      assert.deepEqual(parseSignupSubmission(good), good);
      const cases: Array<[string, unknown]> = [
        ['publicKey', { ...good, publicKey: 'A'.repeat(42) }],
        ['publicKey', { ...good, publicKey: 'A'.repeat(44) }],
        ['publicKey', { ...good, publicKey: 42 }],
        ['publicKey', { ...good, publicKey: `${'A'.repeat(42)}B` }],
        ['encryptedPrivateKey', { ...good, encryptedPrivateKey: 'v2.1000.a.b.c' }],
        [
          'encryptedPrivateKey',
          { ...good, encryptedPrivateKey: good.encryptedPrivateKey.replace('.1000.', '.999.') },
        ],
        [
          'encryptedPrivateKey',
          { ...good, encryptedPrivateKey: good.encryptedPrivateKey.replace('.1000.', '.01000.') },
        ],
        ['encryptedPrivateKey', { ...good, encryptedPrivateKey: `${good.encryptedPrivateKey}!` }],
        [
          'encryptedPrivateKey',
          { ...good, encryptedPrivateKey: `sbk1.1000.${'A'.repeat(22)}.${'A'.repeat(16)}.AAAA` },
        ],
        ['encryptedPrivateKey', { ...good, encryptedPrivateKey: null }],
        ['proof', { ...good, proof: 'password123' }],
        ['proofSalt', { ...good, proofSalt: 'x' }],
        ['proofIterations', { ...good, proofIterations: '1000' }],
        ['proofIterations', { ...good, proofIterations: 10 }],
        ['JSON object', []],
        ['JSON object', 'text'],
        ['JSON object', null],
      ];
      for (const [field, body] of cases) {
        assert.throws(
          () => parseSignupSubmission(body),
          (error: unknown) =>
            error instanceof SignupError && error.code === 'invalid_input' && error.message.includes(field),
          `${field}: ${JSON.stringify(body)}`,
        );
      }
    });
  });

  describe(`member sign-in (${db})`, () => {
    let f: Fixture;
    let memberId: string;
    let submission: Awaited<ReturnType<typeof signupSubmission>>;
    beforeEach(async () => {
      f = await openFixture({ db, signup: TEST_SIGNUP });
      const member = await createMember(f.deps, memberInput());
      memberId = member.id;
      submission = await signupSubmission(PASSWORD);
      await completeSignup(f.deps, await latestInvitationToken(f, 'grace@acme.test'), submission);
    });
    afterEach(() => f.close());

    test('the right proof opens a session that lasts its configured time', async () => {
      const parameters = await signInParameters(f.deps, 'Grace@Acme.test');
      assert.deepEqual(parameters, { salt: submission.proofSalt, iterations: 1000 });
      const proof = await deriveSignInProof(PASSWORD, parameters);
      const signedIn = await signIn(f.deps, { email: 'grace@acme.test', proof });
      assert.equal(signedIn.member.id, memberId);
      assert.ok(!JSON.stringify(signedIn.session).includes(signedIn.sessionToken), 'stored hashed');
      assert.equal((await memberOfSession(f.deps, signedIn.sessionToken))?.member.id, memberId);
      f.advance(12 * 3600 * 1000);
      assert.equal(await memberOfSession(f.deps, signedIn.sessionToken), undefined);
    });

    test('a wrong password, an unknown address and an invited member all fail alike', async () => {
      const wrong = await deriveSignInProof(
        'not the password at all',
        await signInParameters(f.deps, 'grace@acme.test'),
      );
      assert.equal(
        await signupCode(() => signIn(f.deps, { email: 'grace@acme.test', proof: wrong })),
        'sign_in_failed',
      );
      assert.equal(
        await signupCode(() => signIn(f.deps, { email: 'who@acme.test', proof: wrong })),
        'sign_in_failed',
      );
      await createMember(f.deps, memberInput({ email: 'new@acme.test' }));
      assert.equal(
        await signupCode(() => signIn(f.deps, { email: 'new@acme.test', proof: wrong })),
        'sign_in_failed',
      );
      assert.equal(
        await signupCode(() => signIn(f.deps, { email: 'grace@acme.test', proof: 'x' })),
        'invalid_input',
      );
    });

    test('unknown addresses get stable decoy parameters shaped like real ones', async () => {
      const first = await signInParameters(f.deps, 'who@acme.test');
      assert.deepEqual(await signInParameters(f.deps, 'WHO@acme.test'), first);
      assert.notDeepEqual(await signInParameters(f.deps, 'other@acme.test'), first);
      assert.equal(first.iterations, 1000);
      assert.match(first.salt, /^[A-Za-z0-9_-]{22}$/);
      // An invited member without a password looks the same as nobody.
      await createMember(f.deps, memberInput({ email: 'new@acme.test' }));
      assert.match((await signInParameters(f.deps, 'new@acme.test')).salt, /^[A-Za-z0-9_-]{22}$/);
    });

    test('suspension ends sessions at once and stops sign-in; sign-out ends a session', async () => {
      const proof = await deriveSignInProof(PASSWORD, await signInParameters(f.deps, 'grace@acme.test'));
      const one = await signIn(f.deps, { email: 'grace@acme.test', proof });
      const two = await signIn(f.deps, { email: 'grace@acme.test', proof });
      await signOut(f.deps, one.sessionToken);
      assert.equal(await memberOfSession(f.deps, one.sessionToken), undefined);
      assert.ok(await memberOfSession(f.deps, two.sessionToken));
      await updateMember(f.deps, memberId, memberInput({ active: false }));
      assert.equal(await memberOfSession(f.deps, two.sessionToken), undefined);
      // The right password learns that the account is suspended; a wrong one learns nothing.
      assert.equal(
        await signupCode(() => signIn(f.deps, { email: 'grace@acme.test', proof })),
        'member_suspended',
      );
      const wrong = await deriveSignInProof(
        'not the password',
        await signInParameters(f.deps, 'grace@acme.test'),
      );
      assert.equal(
        await signupCode(() => signIn(f.deps, { email: 'grace@acme.test', proof: wrong })),
        'sign_in_failed',
      );
    });
  });
}
