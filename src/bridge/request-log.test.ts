import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { loggerInto } from '../../test/support/log-lines.ts';
import type { ScimRequestRecord } from '../account/model.ts';
import { type AnsweredRequest, RequestLog, recordOf, redactedJson } from './request-log.ts';

const TOKEN = `sbt_${'A'.repeat(43)}`;

function answered(overrides: Partial<AnsweredRequest> = {}): AnsweredRequest {
  return {
    idp: 'okta',
    operation: 'users.create',
    method: 'POST',
    url: '/scim/v2/Users',
    resourceId: undefined,
    status: 201,
    scimType: undefined,
    detail: undefined,
    ms: 4.5,
    body: { userName: 'ada@example.com' },
    ...overrides,
  };
}

/** A request log whose timer is run by hand and whose deliveries wait until released. */
function harness(options: { maxQueued?: number; ready?: () => boolean } = {}) {
  const timers: Array<() => void> = [];
  const sent: ScimRequestRecord[][] = [];
  const pending: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  const lines: string[] = [];
  const log = new RequestLog({
    clock: new FakeClock('2030-01-01T00:00:00Z'),
    logger: loggerInto(lines),
    schedule: (work) => timers.push(work),
    deliver: (records) => {
      sent.push(records);
      return new Promise<void>((resolve, reject) => pending.push({ resolve, reject }));
    },
    ...options,
  });
  return { log, timers, sent, pending, lines };
}

describe('request log redaction', () => {
  test('passwords, secrets, tokens and bearer values never leave; other fields stay', () => {
    const { text, truncated } = redactedJson({
      userName: 'ada@example.com',
      password: 'hunter2-long-password',
      'urn:x:extension': { clientSecret: 's3cret', apiKey: 'k', accessToken: 'abc', keep: 'yes' },
      note: `pasted ${TOKEN} and Bearer eyJhbGciOi.payload.sig`,
      emails: [{ value: 'ada@example.com', primary: true }],
      count: 3,
      nothing: null,
      quoted: 'say "hi"\n\\ \u0001 😀',
    });
    assert.equal(truncated, false);
    const parsed = JSON.parse(text);
    assert.equal(parsed.password, '[redacted]');
    assert.deepEqual(parsed['urn:x:extension'], {
      clientSecret: '[redacted]',
      apiKey: '[redacted]',
      accessToken: '[redacted]',
      keep: 'yes',
    });
    assert.equal(parsed.note, 'pasted sbt_[redacted] and Bearer [redacted]');
    assert.deepEqual(parsed.emails, [{ value: 'ada@example.com', primary: true }]);
    assert.equal(parsed.count, 3);
    assert.equal(parsed.quoted, 'say "hi"\n\\ \u0001 😀', 'escaped as JSON');
    for (const secret of ['hunter2', 's3cret', TOKEN, 'eyJhbGciOi'])
      assert.ok(!text.includes(secret), secret);
  });

  test('a large body is cut at the bound without walking all of it', () => {
    const huge = {
      Operations: Array.from({ length: 50_000 }, (_, i) => ({ op: 'add', value: `member-${i}` })),
    };
    const { text, truncated } = redactedJson(huge, 4096);
    assert.equal(truncated, true);
    assert.equal(text.length, 4096);
    assert.ok(text.startsWith('{"Operations":[{"op":"add","value":"member-0"}'));
    // A long string is cut before it is encoded, and a secret at its start is still scrubbed.
    const long = redactedJson({ note: `${TOKEN} ${'x'.repeat(100_000)}` }, 100);
    assert.equal(long.truncated, true);
    assert.ok(long.text.length <= 100);
    assert.ok(!long.text.includes(TOKEN));
  });

  test('PATCH values of secret attributes, filters on them and *password* fields at any depth are redacted', () => {
    const { text } = redactedJson({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [
        { op: 'replace', path: 'password', value: 'hunter2-patch' },
        {
          Op: 'Replace',
          Path: 'urn:ietf:params:scim:schemas:core:2.0:User:password',
          Value: 'hunter3-patch',
        },
        { op: 'add', path: 'urn:x:ext:2.0:User:apiToken', value: ['k-patch'] },
        {
          op: 'replace',
          value: { password: 'hunter4-patch', nested: [{ deep: { newPasswordHash: 'h-patch' } }] },
        },
        { op: 'replace', path: 'name.givenName', value: 'Ada' },
      ],
      filter: 'password eq "hunter5-filter"',
      other: { filter: 'userName eq "tokenuser@example.com"' },
    });
    assert.doesNotMatch(text, /hunter|-patch|-filter/, text);
    const parsed = JSON.parse(text);
    assert.equal(parsed.Operations[4].value, 'Ada', 'other values stay');
    assert.equal(parsed.Operations[0].path, 'password', 'the path itself stays, to show what changed');
    assert.equal(
      parsed.other.filter,
      'userName eq "tokenuser@example.com"',
      'a filter on other attributes stays',
    );
  });

  test('query parameters named like secrets and filters on secret attributes are redacted from the path', () => {
    const path = (url: string) => recordOf(answered({ method: 'GET', url, body: undefined }), 'x').path;
    assert.equal(
      path('/scim/v2/Users?access_token=abc123&count=5'),
      '/scim/v2/Users?access_token=[redacted]&count=5',
    );
    assert.equal(
      path('/scim/v2/Users?filter=password%20eq%20%22hunter2%22'),
      '/scim/v2/Users?filter=[redacted]',
    );
    assert.equal(
      path('/scim/v2/Users?filter=userName+eq+%22ada%40example.com%22'),
      '/scim/v2/Users?filter=userName+eq+%22ada%40example.com%22',
    );
  });

  test('the record names the resource and keeps no token from the path', () => {
    const record = recordOf(
      answered({
        method: 'GET',
        url: `/scim/v2/Users/abc%20def?filter=userName eq "${TOKEN}"`,
        resourceId: 'abc def',
        status: 404,
        scimType: undefined,
        detail: 'no such user',
        body: undefined,
      }),
      '2030-01-01T00:00:00.000Z',
    );
    assert.equal(record.resourceType, 'Users');
    assert.equal(record.resourceId, 'abc def');
    assert.equal(record.body, null);
    assert.ok(!record.path.includes(TOKEN));
    assert.equal(recordOf(answered({ url: '/scim/v2/Bulk' }), 'x').resourceType, 'Bulk');
    assert.equal(recordOf(answered({ url: '/elsewhere' }), 'x').resourceType, 'other');
  });
});

describe('request log delivery', () => {
  test('records go in batches of at most 100, one delivery at a time, on the timer', async () => {
    const { log, timers, sent, pending } = harness();
    for (let i = 0; i < 150; i++) log.add(answered());
    assert.equal(sent.length, 0, 'nothing is sent on the request path');
    assert.equal(timers.length, 1, 'one timer for many records');
    timers.shift()!();
    assert.equal(sent.length, 1);
    assert.equal(sent[0]!.length, 100);
    void log.flush();
    assert.equal(sent.length, 1, 'a second delivery waits for the first');
    pending.shift()!.resolve();
    await log.flush();
    assert.equal(timers.length, 1, 'the rest waits for the next tick');
    timers.shift()!();
    assert.equal(sent[1]!.length, 50);
    pending.shift()!.resolve();
    await log.flush();
    assert.equal(log.delivered, 150);
    assert.equal(log.queued, 0);
  });

  test('a stalled account fills the bounded queue; new records are dropped and counted, and it says so once', async () => {
    const { log, timers, sent, pending, lines } = harness({ maxQueued: 120 });
    for (let i = 0; i < 120; i++) log.add(answered());
    timers.shift()!();
    assert.equal(sent.length, 1, 'one delivery under way, never answered yet');
    for (let i = 0; i < 200; i++) log.add(answered());
    assert.equal(log.queued, 120);
    assert.equal(log.lost, 100);
    assert.equal(lines.filter((line) => line.includes('new ones are dropped')).length, 1);
    pending.shift()!.reject(new Error('account_unreachable'));
    await log.flush();
    assert.equal(log.lost, 200, 'the failed batch is lost, not sent again');
    assert.equal(lines.filter((line) => line.includes('is lost')).length, 1);
  });

  test('a separate bridge waits for its session file before it delivers, and a graceful stop sends what is queued', async () => {
    let unlocked = false;
    const { log, timers, sent, pending } = harness({ ready: () => unlocked });
    log.add(answered());
    timers.shift()!();
    assert.equal(sent.length, 0);
    assert.equal(timers.length, 1, 'tried again later');
    unlocked = true;
    const closing = log.close();
    assert.equal(sent.length, 1);
    pending.shift()!.resolve();
    await closing;
    assert.equal(log.delivered, 1);
  });

  test('records still queued when the bridge stops are counted lost and said so, not dropped silently', async () => {
    const { log, lines } = harness({ ready: () => false });
    log.add(answered());
    log.add(answered());
    await log.close();
    assert.equal(log.lost, 2);
    assert.equal(log.queued, 0);
    assert.equal(lines.filter((line) => line.includes('stopped before these records')).length, 1);
  });
});
