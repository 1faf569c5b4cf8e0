import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { type Fixture, memberInput, openFixture } from '../../test/support/account-fixture.ts';
import type { MemberInput } from './client.ts';
import { createMember } from './create-member.ts';
import { acceptEmailChange, EMAIL_CHANGE_TTL_MS, hashSecret, previewEmailChange } from './email-change.ts';
import type { Member } from './model.ts';
import { updateMember } from './update-member.ts';

let f: Fixture;
let grace: Member;
let input: MemberInput;
let secrets: string[];
beforeEach(async () => {
  f = await openFixture({ allowedDomains: ['acme.test', 'acme.example'] });
  secrets = [];
  let n = 0;
  f.deps.secrets = () => {
    const secret = `secret-${String(++n).padStart(2, '0')}`.padEnd(43, 'x');
    secrets.push(secret);
    return secret;
  };
  input = memberInput();
  grace = await createMember(f.deps, input);
});
afterEach(() => f.close());

const changeMails = async () => (await f.mail()).filter((mail) => mail.template === 'email_change');

describe('e-mail change tokens (P13)', () => {
  test('a requested change stores only the hash of the secret; the mail carries the link and expiry', async () => {
    await updateMember(f.deps, grace.id, { ...input, email: 'grace@acme.example' });
    const [mail] = await changeMails();
    assert.equal(mail!.data.link, `https://team.acme.test/email-change/${secrets[0]}`);
    assert.equal(
      mail!.data.expiresAt,
      new Date(Date.parse('2025-03-01T09:00:00.000Z') + EMAIL_CHANGE_TTL_MS).toISOString(),
    );
    assert.equal(mail!.data.currentEmail, 'grace@acme.test');
    const stored = await f.deps.store.getEmailChangeToken(await hashSecret(secrets[0]!));
    assert.equal(stored?.newEmail, 'grace@acme.example');
    assert.notEqual(stored?.tokenHash, secrets[0]);
    assert.equal(await f.deps.store.getEmailChangeToken(secrets[0]!), undefined);
  });

  test('without the account URL the mail has no link (and will fail clearly) rather than a wrong one', async () => {
    delete f.deps.accountUrl;
    await updateMember(f.deps, grace.id, { ...input, email: 'grace@acme.example' });
    const [mail] = await changeMails();
    assert.equal(mail!.data.link, undefined);
  });

  test('accepting swaps the address once; previewing changes nothing', async () => {
    await updateMember(f.deps, grace.id, { ...input, email: 'grace@acme.example' });
    const preview = await previewEmailChange(f.deps, secrets[0]!);
    assert.equal(preview.ok, true);
    assert.equal((await f.deps.store.getMember(grace.id))!.email, 'grace@acme.test');
    f.advance(1000);
    const accepted = await acceptEmailChange(f.deps, secrets[0]!);
    assert.equal(accepted.ok, true);
    const member = (await f.deps.store.getMember(grace.id))!;
    assert.equal(member.email, 'grace@acme.example');
    assert.equal(member.pendingEmail, null);
    assert.equal(member.updatedAt, '2025-03-01T09:00:01.000Z');
    assert.equal((await f.actions()).at(-1), 'member.email_changed');
    const again = await acceptEmailChange(f.deps, secrets[0]!);
    assert.deepEqual(again.ok ? 'ok' : again.problem, 'used');
  });

  test('a link past its expiry is refused and changes nothing', async () => {
    await updateMember(f.deps, grace.id, { ...input, email: 'grace@acme.example' });
    f.advance(EMAIL_CHANGE_TTL_MS);
    const result = await acceptEmailChange(f.deps, secrets[0]!);
    assert.deepEqual(result.ok ? 'ok' : result.problem, 'expired');
    assert.equal((await f.deps.store.getMember(grace.id))!.email, 'grace@acme.test');
  });

  test('an address taken by someone else meanwhile is refused at acceptance', async () => {
    await updateMember(f.deps, grace.id, { ...input, email: 'shared@acme.test' });
    await createMember(f.deps, memberInput({ email: 'shared@acme.test' }));
    const result = await acceptEmailChange(f.deps, secrets[0]!);
    assert.deepEqual(result.ok ? 'ok' : result.problem, 'email_taken');
    assert.equal((await f.deps.store.getEmailChangeToken(await hashSecret(secrets[0]!)))?.usedAt, null);
  });

  test('a domain removed from the allowed list since the request is refused at acceptance', async () => {
    await updateMember(f.deps, grace.id, { ...input, email: 'grace@acme.example' });
    await f.deps.store.saveAccount({ ...f.account, allowedDomains: ['acme.test'] });
    const result = await acceptEmailChange(f.deps, secrets[0]!);
    assert.equal(result.ok, false);
    assert.deepEqual(result.ok ? 'ok' : result.problem, 'domain_not_allowed');
    assert.match(result.ok ? '' : result.detail, /"acme\.example"/);
  });

  test('the IdP pushing the pending address again mails a fresh link only once the old one expired', async () => {
    await updateMember(f.deps, grace.id, { ...input, email: 'grace@acme.example' });
    await updateMember(f.deps, grace.id, { ...input, email: 'grace@acme.example' });
    assert.equal((await changeMails()).length, 1, 'the link still works: no second mail');
    f.advance(EMAIL_CHANGE_TTL_MS + 1);
    const before = (await f.deps.store.getMember(grace.id))!;
    const same = await updateMember(f.deps, grace.id, { ...input, email: 'grace@acme.example' });
    assert.equal(same.version, before.version, 'the member row is not written');
    assert.equal((await changeMails()).length, 2);
    assert.equal((await f.actions()).at(-1), 'member.email_change_resent');
    assert.deepEqual((await acceptEmailChange(f.deps, secrets[0]!)).ok, false);
    assert.equal((await acceptEmailChange(f.deps, secrets[1]!)).ok, true);
    await updateMember(f.deps, grace.id, { ...input, email: 'grace@acme.example' });
    assert.equal((await changeMails()).length, 2, 'nothing pending any more');
  });
});
