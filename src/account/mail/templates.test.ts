import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MailTemplate } from '../model.ts';
import { MAIL_TEMPLATES, MailDataError, REMOVED_LINK, renderMail, withoutLinks } from './templates.ts';

const LINK = 'https://team.acme.test/x/secret';
const COMPLETE: Record<MailTemplate, Record<string, unknown>> = {
  invitation: {
    memberId: 'm1',
    accountName: 'Acme',
    displayName: 'Grace',
    link: LINK,
    expiresAt: '2026-03-09T10:00:00.000Z',
  },
  account_ready: { memberId: 'm1', accountName: 'Acme', link: LINK },
  email_change: {
    memberId: 'm1',
    accountName: 'Acme',
    currentEmail: 'a@acme.test',
    newEmail: 'b@acme.test',
    link: LINK,
    expiresAt: '2026-03-09T10:00:00.000Z',
  },
  bridge_offline: {
    accountName: 'Acme',
    bridgeUrl: 'https://bridge.acme.test',
    since: '2026-03-02T10:00:00.000Z',
    detail: 'connection refused',
  },
  bridge_online: {
    accountName: 'Acme',
    bridgeUrl: 'https://bridge.acme.test',
    since: '2026-03-02T11:00:00.000Z',
  },
};
const REQUIRED: Record<MailTemplate, string[]> = {
  invitation: ['accountName', 'link', 'expiresAt'],
  account_ready: ['accountName', 'link'],
  email_change: ['accountName', 'currentEmail', 'newEmail', 'link', 'expiresAt'],
  bridge_offline: ['accountName', 'bridgeUrl', 'since'],
  bridge_online: ['accountName', 'bridgeUrl', 'since'],
};

describe('mail templates', () => {
  for (const template of MAIL_TEMPLATES) {
    test(`${template}: renders text and HTML with the account name and its links`, () => {
      const mail = renderMail({ template, data: COMPLETE[template] });
      assert.ok(mail.subject.includes('Acme'));
      assert.ok(mail.text.includes('Acme') && mail.html.includes('Acme'));
      if (REQUIRED[template].includes('link')) {
        assert.deepEqual(mail.links, [LINK]);
        assert.ok(mail.text.includes(LINK));
        assert.ok(mail.html.includes(`href="${LINK}"`));
      } else {
        assert.deepEqual(mail.links, []);
        assert.ok(mail.text.includes('https://bridge.acme.test'));
      }
    });

    test(`${template}: each missing required field is refused by name`, () => {
      for (const field of REQUIRED[template]) {
        const data = { ...COMPLETE[template] };
        delete data[field];
        assert.throws(
          () => renderMail({ template, data }),
          (error: unknown) =>
            error instanceof MailDataError &&
            error.message === `the ${template} mail cannot be sent: ${field} is missing`,
        );
      }
    });
  }

  test('IdP-supplied names are escaped in HTML and cannot add lines to the subject or text', () => {
    const mail = renderMail({
      template: 'invitation',
      data: {
        ...COMPLETE.invitation,
        accountName: 'Acme\r\nBcc: victim@evil.example',
        displayName: '<script>alert(1)</script>"onload=x',
      },
    });
    assert.ok(!mail.subject.includes('\n') && !mail.subject.includes('\r'));
    assert.equal(mail.subject, 'You are invited to join Acme Bcc: victim@evil.example');
    assert.ok(!mail.html.includes('<script>'));
    assert.ok(mail.html.includes('&lt;script&gt;alert(1)&lt;/script&gt;&quot;onload=x'));
    assert.ok(!mail.text.includes('\r'));
  });

  test('links must be http(s) URLs; times must be ISO-8601; values must be text of sane length', () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ link: 'javascript:alert(1)' }, /link is not an http\(s\) URL/],
      [{ link: 'not a url' }, /link is not a URL/],
      [{ link: REMOVED_LINK }, /link was removed after the message was delivered/],
      [{ expiresAt: 'next tuesday' }, /expiresAt is not an ISO-8601 time/],
      [{ accountName: 42 }, /accountName is not text/],
      [{ accountName: 'x'.repeat(5000) }, /accountName is longer than/],
      [{ accountName: '   ' }, /accountName is missing/],
    ];
    for (const [override, message] of cases) {
      assert.throws(
        () => renderMail({ template: 'invitation', data: { ...COMPLETE.invitation, ...override } }),
        message,
      );
    }
    assert.throws(
      () => renderMail({ template: 'nope' as MailTemplate, data: {} }),
      /no mail template named "nope"/,
    );
    assert.throws(() => renderMail({ template: 'invitation', data: null as never }), /data is not an object/);
  });

  test('withoutLinks replaces every link field and keeps the rest', () => {
    assert.deepEqual(
      withoutLinks({ link: LINK, accountName: 'Acme', nested: { link: LINK, n: 1 }, list: [1] }),
      {
        link: REMOVED_LINK,
        accountName: 'Acme',
        nested: { link: REMOVED_LINK, n: 1 },
        list: [1],
      },
    );
  });
});
