/**
 * E-mail changes over HTTP (P13, P15): the IdP changes an address through SCIM, the member
 * gets a link, the account server's page shows and accepts the change, and SCIM reads show
 * the result. Expired, used, forged and cross-site attempts change nothing.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { hashSecret, randomSecret } from '../../src/account/email-change.ts';
import type { Member } from '../../src/account/model.ts';
import { testDatabases } from '../support/requirements.ts';
import { closedPort, type SmtpSink, startSmtpSink } from '../support/smtp-sink.ts';
import { ERROR_SCHEMA, patch, startTestSystem, type TestSystem, USER_SCHEMA } from '../support/system.ts';

const ACCOUNT_URL = 'https://team.acme.test';

interface Page {
  status: number;
  text: string;
  headers: Headers;
}

for (const db of testDatabases()) {
  describe(`e-mail changes over HTTP on ${db}`, () => {
    let sys: TestSystem;
    let counter = 0;

    before(async () => {
      sys = await startTestSystem({ db, env: { SCIMBRIDGE_ACCOUNT_URL: ACCOUNT_URL } });
      const account = (await sys.store.getAccount())!;
      await sys.store.saveAccount({ ...account, allowedDomains: ['acme.test', 'acme.example'] });
    });
    after(async () => {
      await sys.close();
    });

    let user: { id: string; userName: string; email: string };
    beforeEach(async () => {
      counter++;
      const email = `person${counter}@acme.test`;
      const created = await sys.scim('POST', '/Users', {
        schemas: [USER_SCHEMA],
        userName: email,
        name: { givenName: 'Grace', familyName: 'Hopper' },
        displayName: 'Grace Hopper',
        emails: [{ value: email, type: 'work', primary: true }],
      });
      assert.equal(created.status, 201, created.text);
      user = { id: created.body.id, userName: email, email };
    });

    const changeEmail = (id: string, email: string) =>
      sys.scim(
        'PATCH',
        `/Users/${id}`,
        patch({ op: 'replace', path: 'emails[type eq "work"].value', value: email }),
      );

    async function latestChangeLink(to: string): Promise<string> {
      const mail = (await sys.store.listMail({ limit: 50 })).find(
        (message) => message.template === 'email_change' && message.to === to,
      );
      assert.ok(mail, `an email_change mail to ${to}`);
      const link = sys.mailLink(mail);
      assert.equal(typeof link, 'string');
      assert.ok((link as string).startsWith(`${ACCOUNT_URL}/email-change/`));
      return link as string;
    }

    /** The link's path on the running account server (the public URL is not served in tests). */
    const local = (link: string) => `${sys.system.accountAddress}${new URL(link).pathname}`;

    async function open(link: string): Promise<Page & { csrf: string; cookie: string }> {
      const response = await fetch(local(link));
      const text = await response.text();
      const csrf = /name="csrf" value="([^"]+)"/.exec(text)?.[1] ?? '';
      const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0]!;
      return { status: response.status, text, headers: response.headers, csrf, cookie };
    }

    async function confirm(
      link: string,
      form: { csrf: string; cookie: string },
      headers: Record<string, string> = {},
    ): Promise<Page> {
      const response = await fetch(local(link), {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          origin: sys.system.accountAddress,
          cookie: form.cookie,
          ...headers,
        },
        body: new URLSearchParams({ csrf: form.csrf }).toString(),
        redirect: 'manual',
      });
      return { status: response.status, text: await response.text(), headers: response.headers };
    }

    const member = async (id: string): Promise<Member> => (await sys.store.getMember(id))!;
    const findByEmail = async (email: string) =>
      (await sys.scim('GET', `/Users?filter=${encodeURIComponent(`emails eq "${email}"`)}`)).body
        .totalResults;

    test('the member accepts on the page: the address is swapped, recorded, and SCIM reads show it', async () => {
      const next = `grace.h${counter}@acme.example`;
      const patched = await changeEmail(user.id, next);
      assert.equal(patched.status, 200, patched.text);
      assert.equal((await member(user.id)).email, user.email, 'nothing changes before the member accepts');
      assert.equal((await member(user.id)).pendingEmail, next);
      const link = await latestChangeLink(next);

      const shown = await open(link);
      assert.equal(shown.status, 200);
      assert.ok(
        shown.text.includes(user.email) && shown.text.includes(next),
        'the page shows both addresses',
      );
      assert.equal(shown.headers.get('cache-control'), 'no-store');
      assert.equal(shown.headers.get('referrer-policy'), 'no-referrer');
      assert.match(shown.headers.get('set-cookie')!, /HttpOnly; SameSite=Strict; Secure/);
      assert.equal((await member(user.id)).email, user.email, 'opening the link changes nothing');
      const versionBefore = (await sys.scim('GET', `/Users/${user.id}`)).body.meta.version;

      const accepted = await confirm(link, shown);
      assert.equal(accepted.status, 200, accepted.text);
      assert.ok(accepted.text.includes(`is now <strong>${next}</strong>`));

      const after = await member(user.id);
      assert.equal(after.email, next);
      assert.equal(after.pendingEmail, null);
      assert.equal(await findByEmail(user.email), 0);
      assert.equal(await findByEmail(next), 1);
      const read = await sys.scim('GET', `/Users/${user.id}`);
      assert.notEqual(read.body.meta.version, versionBefore, 'the ETag moves with the change');
      assert.equal(read.body.emails[0].value, next);
      const activity = await sys.store.listActivity({ limit: 5 });
      assert.equal(activity[0]!.action, 'member.email_changed');
      assert.equal(activity[0]!.actor, 'member');
      assert.deepEqual(activity[0]!.detail, { previousEmail: user.email, newEmail: next });
      assert.ok(
        sys.logLines.every((line) => !line.includes(new URL(link).pathname.split('/').pop()!)),
        'the secret never reaches the log',
      );

      const again = await confirm(link, shown);
      assert.equal(again.status, 410);
      assert.ok(again.text.includes('already been used'));
      assert.equal((await open(link)).status, 410);
      assert.equal((await member(user.id)).version, after.version);
    });

    test('forged and malformed links get a clear page and change nothing', async () => {
      await changeEmail(user.id, `forged${counter}@acme.example`);
      const before = await member(user.id);
      for (const secret of [randomSecret(), 'short', 'x'.repeat(5000), '%3Cscript%3E', '..%2F..%2Fetc']) {
        const response = await fetch(`${sys.system.accountAddress}/email-change/${secret}`);
        const text = await response.text();
        assert.ok([404, 414].includes(response.status), `${secret.slice(0, 20)}: ${response.status}`);
        if (response.status === 404) assert.ok(text.includes('This link does not work'), text);
        assert.ok(!text.includes('<script>'));
        const posted = await fetch(`${sys.system.accountAddress}/email-change/${secret}`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            cookie: 'scimbridge_email_change_csrf=a',
          },
          body: 'csrf=a',
        });
        assert.ok([404, 414].includes(posted.status));
      }
      assert.deepEqual(await member(user.id), before);
    });

    test('an expired link changes nothing', async () => {
      const next = `late${counter}@acme.example`;
      await changeEmail(user.id, next);
      const secret = randomSecret();
      await sys.store.insertEmailChangeToken({
        tokenHash: await hashSecret(secret),
        memberId: user.id,
        newEmail: next,
        createdAt: '2020-01-01T00:00:00.000Z',
        expiresAt: '2020-01-08T00:00:00.000Z',
        usedAt: null,
      });
      const link = `${ACCOUNT_URL}/email-change/${secret}`;
      const shown = await open(link);
      assert.equal(shown.status, 410);
      assert.ok(shown.text.includes('This link has expired'));
      assert.equal(shown.csrf, '', 'no form to submit');
      const posted = await confirm(link, { csrf: 'x', cookie: 'scimbridge_email_change_csrf=x' });
      assert.equal(posted.status, 410);
      assert.equal((await member(user.id)).email, user.email);
    });

    test('a confirmation without the page’s CSRF value, or from another site, changes nothing', async () => {
      const next = `csrf${counter}@acme.example`;
      await changeEmail(user.id, next);
      const link = await latestChangeLink(next);
      const shown = await open(link);
      const attempts: Array<[string, { csrf: string; cookie: string }, Record<string, string>]> = [
        ['no cookie', { csrf: shown.csrf, cookie: '' }, {}],
        ['no field', { csrf: '', cookie: shown.cookie }, {}],
        ['a different value', { csrf: randomSecret(), cookie: shown.cookie }, {}],
        ['another origin', shown, { origin: 'https://evil.example' }],
        ['a cross-site fetch', shown, { 'sec-fetch-site': 'cross-site' }],
        ['a sibling subdomain', shown, { 'sec-fetch-site': 'same-site', origin: 'null' }],
      ];
      for (const [label, form, headers] of attempts) {
        const response = await confirm(link, form, headers);
        assert.equal(response.status, 403, label);
        assert.ok(response.text.includes('has not been changed'), label);
      }
      assert.equal((await member(user.id)).email, user.email);
      const junk = await fetch(local(link), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: shown.cookie },
        body: `csrf=${'a'.repeat(10_000)}`,
      });
      assert.equal(junk.status, 413);
      assert.equal((await confirm(link, shown)).status, 200, 'the real confirmation still works');
    });

    test('a newer change or a withdrawn one makes the older link stop working', async () => {
      const first = `first${counter}@acme.example`;
      const second = `second${counter}@acme.example`;
      await changeEmail(user.id, first);
      const oldLink = await latestChangeLink(first);
      await changeEmail(user.id, second);
      const newLink = await latestChangeLink(second);
      const stale = await open(oldLink);
      assert.equal(stale.status, 409);
      assert.ok(stale.text.includes('no longer applies'));
      await changeEmail(user.id, user.email);
      assert.equal((await open(newLink)).status, 409, 'the IdP took the change back');
      assert.equal((await member(user.id)).email, user.email);
    });

    test('an address outside the allowed sign-up domains is a SCIM error naming the domain', async () => {
      const mailBefore = (await sys.store.listMail({ limit: 1000 })).length;
      const refused = await changeEmail(user.id, 'grace@personal.example');
      assert.equal(refused.status, 400);
      assert.deepEqual(refused.body.schemas, [ERROR_SCHEMA]);
      assert.equal(refused.body.scimType, 'invalidValue');
      assert.match(refused.body.detail, /"personal\.example"/);
      assert.equal((await member(user.id)).pendingEmail, null);
      assert.equal((await sys.store.listMail({ limit: 1000 })).length, mailBefore, 'no mail');
      const put = await sys.scim('PUT', `/Users/${user.id}`, {
        schemas: [USER_SCHEMA],
        userName: user.userName,
        emails: [{ value: 'grace@Personal.Example', primary: true }],
      });
      assert.equal(put.status, 400);
      assert.match(put.body.detail, /personal\.example/);
    });

    test('a suspended member’s address is not changed, and their pending link stops working (P15)', async () => {
      const next = `pending${counter}@acme.example`;
      await changeEmail(user.id, next);
      const link = await latestChangeLink(next);
      const shown = await open(link);
      await sys.scim('PATCH', `/Users/${user.id}`, patch({ op: 'replace', path: 'active', value: false }));
      const refused = await confirm(link, shown);
      assert.equal(refused.status, 409);
      assert.ok(refused.text.includes('suspended'));
      const mailBefore = (await sys.store.listMail({ limit: 1000 })).length;
      const moved = await sys.scim('PUT', `/Users/${user.id}`, {
        schemas: [USER_SCHEMA],
        userName: user.userName,
        active: false,
        emails: [{ value: `other${counter}@acme.test`, primary: true }],
      });
      assert.equal(moved.status, 200, moved.text);
      assert.equal((await member(user.id)).email, user.email);
      assert.equal(
        (await sys.store.listMail({ limit: 1000 })).length,
        mailBefore,
        'no mail to a suspended member',
      );
    });

    test('reactivating a suspended member under a new address creates a new member (P15)', async () => {
      await sys.scim('PATCH', `/Users/${user.id}`, patch({ op: 'replace', path: 'active', value: false }));
      const next = `new.person${counter}@acme.test`;
      const back = await sys.scim('PUT', `/Users/${user.id}`, {
        schemas: [USER_SCHEMA],
        userName: next,
        active: true,
        emails: [{ value: next, primary: true }],
      });
      assert.equal(back.status, 200, back.text);
      assert.equal(back.body.active, true);
      const fresh = await member(user.id);
      assert.equal(fresh.email, next);
      assert.equal(fresh.state, 'invited');
      const previous = (await sys.store.findMemberByEmail(user.email))!;
      assert.notEqual(previous.id, user.id);
      assert.equal(previous.state, 'suspended');
      const invitation = (await sys.store.listMail({ limit: 10 })).find((m) => m.to === next);
      assert.equal(invitation?.template, 'invitation');
    });

    test('display name and name changes apply at once, without mail', async () => {
      const mailBefore = (await sys.store.listMail({ limit: 1000 })).length;
      const renamed = await sys.scim(
        'PATCH',
        `/Users/${user.id}`,
        patch(
          { op: 'replace', path: 'displayName', value: 'Grace B. Hopper' },
          { op: 'replace', path: 'name.familyName', value: 'Murray Hopper' },
        ),
      );
      assert.equal(renamed.status, 200, renamed.text);
      const read = await sys.scim('GET', `/Users/${user.id}`);
      assert.equal(read.body.displayName, 'Grace B. Hopper');
      assert.equal(read.body.name.familyName, 'Murray Hopper');
      const stored = await member(user.id);
      assert.equal(stored.displayName, 'Grace B. Hopper');
      assert.equal(stored.familyName, 'Murray Hopper');
      assert.equal((await sys.store.listMail({ limit: 1000 })).length, mailBefore);
    });
  });
}

describe('e-mail change mail over real SMTP', () => {
  let sink: SmtpSink;
  let sys: TestSystem;
  before(async () => {
    sink = await startSmtpSink();
    sys = await startTestSystem({
      env: {
        SCIMBRIDGE_ACCOUNT_URL: ACCOUNT_URL,
        SCIMBRIDGE_SMTP_URL: sink.url,
        SCIMBRIDGE_SMTP_REQUIRE_TLS: 'false',
        SCIMBRIDGE_MAIL_FROM: 'Acme <accounts@acme.test>',
      },
    });
  });
  after(async () => {
    await sys.close();
    await sink.close();
  });

  test('the mail arrives at the new address and its link opens the page; the stored link is removed', async () => {
    const created = await sys.scim('POST', '/Users', {
      schemas: [USER_SCHEMA],
      userName: 'ada@acme.test',
      displayName: 'Ada <img src=x onerror=alert(1)>',
      emails: [{ value: 'ada@acme.test', primary: true }],
    });
    assert.equal(created.status, 201);
    await sys.scim(
      'PATCH',
      `/Users/${created.body.id}`,
      patch({ op: 'replace', path: 'emails', value: [{ value: 'ada.l@acme.test', primary: true }] }),
    );
    const deadline = Date.now() + 10_000;
    let mail = sink.received.find((m) => m.envelopeTo.includes('ada.l@acme.test'));
    while (!mail && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      mail = sink.received.find((m) => m.envelopeTo.includes('ada.l@acme.test'));
    }
    assert.ok(mail, 'the email_change mail arrived');
    assert.equal(mail.subject, 'Confirm your new e-mail address for My Team');
    assert.match(mail.headers.get('from')!, /accounts@acme\.test/);
    const link = /https:\/\/team\.acme\.test\/email-change\/[A-Za-z0-9_-]{43}/.exec(mail.text)?.[0];
    assert.ok(link, mail.text);
    assert.ok(mail.html.includes(`href="${link}"`));
    assert.ok(mail.text.includes('from ada@acme.test to ada.l@acme.test'));

    const page = await fetch(`${sys.system.accountAddress}${new URL(link).pathname}`);
    assert.equal(page.status, 200);

    const rows = await sys.store.listMail({ limit: 10 });
    const change = rows.find((row) => row.template === 'email_change')!;
    const invitationId = rows.find((row) => row.template === 'invitation')!.id;
    const bothSent = async () =>
      (await sys.store.getMail(change.id))!.state === 'sent' &&
      (await sys.store.getMail(invitationId))!.state === 'sent';
    for (let i = 0; i < 100 && !(await bothSent()); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const sent = (await sys.store.getMail(change.id))!;
    assert.equal(sent.state, 'sent');
    assert.equal(sent.data.link, '[removed after delivery]');
    // The invitation went out too, and its sign-up link left the database with it.
    const invitation = rows.find((row) => row.template === 'invitation')!;
    const delivered = (await sys.store.getMail(invitation.id))!;
    assert.equal(delivered.state, 'sent');
    assert.equal(delivered.data.link, '[removed after delivery]');
    assert.ok(sys.logLines.some((line) => line.includes('mail sender started')));
  });

  test('an SMTP URL with a password is never logged', async () => {
    const port = await closedPort();
    const other = await startTestSystem({
      env: {
        SCIMBRIDGE_SMTP_URL: `smtps://mailer:VerySecretPass@127.0.0.1:${port}`,
      },
    });
    try {
      await other.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'x@example.com' });
      await new Promise((resolve) => setTimeout(resolve, 300));
      const log = other.logLines.join('');
      assert.ok(log.includes(`smtps://127.0.0.1:${port}`), 'the log names the server');
      assert.ok(!log.includes('VerySecretPass'));
      assert.ok(!log.includes('mailer:'));
    } finally {
      await other.close();
    }
  });
});
