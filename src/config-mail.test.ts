import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from './config.ts';

describe('mail settings', () => {
  test('defaults: no SMTP (mail stays queued), From on the account URL host, STARTTLS required, 5 connections', () => {
    const config = loadConfig({ SCIMBRIDGE_ACCOUNT_URL: 'https://team.acme.test' });
    assert.equal(config.smtpUrl, undefined);
    assert.equal(config.mailFrom, 'scimbridge <no-reply@team.acme.test>');
    assert.equal(config.smtpRequireTls, true);
    assert.equal(config.smtpPoolSize, 5);
  });

  test('env and flags; flags win', () => {
    const config = loadConfig(
      {
        SCIMBRIDGE_SMTP_URL: 'smtps://u:p@mail.acme.test',
        SCIMBRIDGE_MAIL_FROM: 'Acme <accounts@acme.test>',
        SCIMBRIDGE_SMTP_REQUIRE_TLS: 'false',
      },
      { smtpPoolSize: '9', mailFrom: 'team@acme.test' },
    );
    assert.equal(config.smtpUrl, 'smtps://u:p@mail.acme.test');
    assert.equal(config.mailFrom, 'team@acme.test');
    assert.equal(config.smtpRequireTls, false);
    assert.equal(config.smtpPoolSize, 9);
  });

  test('a bad SMTP URL is refused without repeating its password', () => {
    for (const [url, message] of [
      ['http://user:Secret123@mail.acme.test', /must start with smtp:\/\/ or smtps:\/\//],
      ['smtp://user:Secret123@mail.acme.test/path', /without a path or query/],
      ['smtp://user:%ZZSecret123@mail.acme.test', /not valid percent-encoding/],
      ['Secret123', /is not a URL/],
    ] as const) {
      assert.throws(
        () => loadConfig({ SCIMBRIDGE_SMTP_URL: url }),
        (error: unknown) =>
          error instanceof ConfigError && message.test(error.message) && !error.message.includes('Secret123'),
        url,
      );
    }
  });

  test('a From that is not an address, or tries to add a header, is refused', () => {
    for (const from of ['nobody', 'A <a@b.example>\r\nBcc: x@y.example', 'a@b.example, c@d.example']) {
      assert.throws(() => loadConfig({ SCIMBRIDGE_MAIL_FROM: from }), /SCIMBRIDGE_MAIL_FROM must be/);
    }
    assert.throws(() => loadConfig({ SCIMBRIDGE_SMTP_REQUIRE_TLS: 'maybe' }), /SCIMBRIDGE_SMTP_REQUIRE_TLS/);
    assert.throws(() => loadConfig({ SCIMBRIDGE_SMTP_POOL_SIZE: '0' }), /SCIMBRIDGE_SMTP_POOL_SIZE/);
  });
});
