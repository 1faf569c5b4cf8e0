/**
 * The mail sender against a real SMTP server, on SQLite and PostgreSQL: what arrives,
 * retries after refusals and refused connections, a restart with a claim left behind, two
 * senders over one database, and secrets that must not reach the database or the log.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, afterEach, beforeEach, describe, test } from 'node:test';
import pg from 'pg';
import {
  createOutboxSeal,
  type OutboxSeal,
  SEALED_LINK_FIELD,
  sealLinks,
} from '../../src/account/mail/outbox-seal.ts';
import { createMailSender, type MailSender, type RetryPolicy } from '../../src/account/mail/sender.ts';
import { createSmtpTransport } from '../../src/account/mail/smtp-transport.ts';
import { REMOVED_LINK } from '../../src/account/mail/templates.ts';
import type { OutboxMessage } from '../../src/account/model.ts';
import type { Store } from '../../src/account/store.ts';
import { randomIds } from '../../src/clock.ts';
import { openPostgresStore } from '../../src/storage/postgres/postgres-store.ts';
import { openSqliteStore } from '../../src/storage/sqlite/sqlite-store.ts';
import { loggerInto } from '../support/log-lines.ts';
import { testDatabases } from '../support/requirements.ts';
import { closedPort, type SmtpSink, startSmtpSink } from '../support/smtp-sink.ts';
import { TEST_DATABASE_URL } from '../support/system.ts';

const START = Date.parse('2026-03-02T10:00:00.000Z');
const FROM = 'Acme via scimbridge <no-reply@acme.test>';
const POLICY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 60_000, maxDelayMs: 3_600_000 };

const schemas: string[] = [];
after(async () => {
  if (schemas.length === 0) return;
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
});

interface Database {
  /** Opens another connection (pool) onto the same database: a second process's view. */
  open(): Promise<Store>;
  cleanUp(): Promise<void>;
  /** The SQLite file, for another process to open. */
  sqlitePath?: string;
}

async function freshDatabase(kind: 'sqlite' | 'postgres'): Promise<Database> {
  if (kind === 'postgres') {
    const schema = `mail_${randomBytes(5).toString('hex')}`;
    schemas.push(schema);
    return {
      open: () => openPostgresStore({ connectionString: TEST_DATABASE_URL, schema, poolSize: 4 }),
      cleanUp: async () => {},
    };
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'scimbridge-mail-'));
  const sqlitePath = path.join(dir, 'scimbridge.db');
  return {
    sqlitePath,
    open: () => openSqliteStore({ path: sqlitePath }),
    cleanUp: () => rm(dir, { recursive: true, force: true }),
  };
}

function invitation(id: string, overrides: Partial<OutboxMessage> = {}): OutboxMessage {
  return {
    id,
    to: `${id}@acme.test`,
    template: 'invitation',
    data: {
      memberId: `member-${id}`,
      accountName: 'Acme',
      displayName: 'Grace <b>Hopper</b>',
      link: `https://team.acme.test/signup/${id}-secret-token`,
      expiresAt: '2026-03-09T10:00:00.000Z',
    },
    state: 'queued',
    attempts: 0,
    nextAttemptAt: new Date(START).toISOString(),
    lastError: null,
    createdAt: new Date(START).toISOString(),
    sentAt: null,
    ...overrides,
  };
}

class TestClock {
  ms = START;
  now(): Date {
    return new Date(this.ms);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

function captureLogger() {
  const lines: string[] = [];
  const logger = loggerInto(lines, { level: 'debug' });
  return { logger, lines };
}

for (const kind of testDatabases()) {
  describe(`mail sender on ${kind}`, () => {
    let database: Database;
    let store: Store;
    let sink: SmtpSink;
    let clock: TestClock;
    let log: ReturnType<typeof captureLogger>;
    const senders: MailSender[] = [];
    const extraStores: Store[] = [];

    const makeSender = (
      over: {
        url?: string;
        store?: Store;
        clock?: { now(): Date };
        requireTls?: boolean;
        seal?: OutboxSeal;
      } = {},
    ) => {
      const sender = createMailSender({
        store: over.store ?? store,
        transport: createSmtpTransport({
          url: over.url ?? sink.url,
          requireTls: over.requireTls ?? false,
          maxConnections: 3,
        }),
        clock: over.clock ?? clock,
        ids: randomIds,
        random: () => 0.5,
        logger: log.logger,
        from: FROM,
        retry: POLICY,
        pollMs: 20,
        ...(over.seal ? { seal: over.seal } : {}),
      });
      senders.push(sender);
      return sender;
    };

    beforeEach(async () => {
      database = await freshDatabase(kind);
      store = await database.open();
      sink = await startSmtpSink();
      clock = new TestClock();
      log = captureLogger();
    });
    afterEach(async () => {
      for (const sender of senders.splice(0)) await sender.stop();
      for (const extra of extraStores.splice(0)) await extra.close();
      await store.close();
      await sink.close();
      await database.cleanUp();
    });

    test('delivers an invitation: headers, both bodies with the link, escaped names; the stored link is removed', async () => {
      await store.enqueueMail(invitation('m1'));
      assert.equal(await makeSender().runOnce(), 1);

      assert.equal(sink.received.length, 1);
      const mail = sink.received[0]!;
      assert.deepEqual(mail.envelopeTo, ['m1@acme.test']);
      assert.equal(mail.envelopeFrom, 'no-reply@acme.test');
      assert.equal(mail.headers.get('to'), 'm1@acme.test');
      assert.match(mail.headers.get('from')!, /no-reply@acme\.test/);
      assert.equal(mail.subject, 'You are invited to join Acme');
      assert.equal(mail.messageId, '<m1.outbox@acme.test>');
      assert.equal(mail.headers.get('auto-submitted'), 'auto-generated');
      const link = 'https://team.acme.test/signup/m1-secret-token';
      assert.ok(mail.text.includes(link), mail.text);
      assert.ok(mail.text.includes('Hello Grace <b>Hopper</b>,'));
      assert.ok(mail.text.includes('2026-03-09 10:00 UTC'));
      assert.ok(mail.html.includes(`href="${link}"`));
      assert.ok(mail.html.includes('Grace &lt;b&gt;Hopper&lt;/b&gt;'));
      assert.ok(!mail.html.includes('<b>Hopper'));

      const stored = (await store.getMail('m1'))!;
      assert.equal(stored.state, 'sent');
      assert.equal(stored.attempts, 1);
      assert.equal(stored.sentAt, new Date(START).toISOString());
      assert.equal(stored.data.link, REMOVED_LINK);
      assert.equal(stored.data.accountName, 'Acme');
      assert.equal(await makeSender().runOnce(), 0, 'a sent message is never claimed again');
      assert.ok(log.lines.some((line) => line.includes('"mail sent"') && line.includes('"mailId":"m1"')));
    });

    test('a sealed link is opened to send, and removed with its seal once sent (issue 12)', async () => {
      const seal = createOutboxSeal(new Uint8Array(32).fill(3));
      const plain = invitation('m1');
      const context = { messageId: 'm1', template: 'invitation', to: plain.to };
      await store.enqueueMail({ ...plain, data: sealLinks(seal, context, plain.data) });
      assert.equal(await makeSender({ seal }).runOnce(), 1);
      assert.ok(sink.received[0]!.text.includes('https://team.acme.test/signup/m1-secret-token'));
      const stored = (await store.getMail('m1'))!;
      assert.equal(stored.state, 'sent');
      assert.equal(stored.data.link, REMOVED_LINK);
      assert.equal(stored.data[SEALED_LINK_FIELD], undefined);
    });

    test('a link sealed under another outbox key fails with the fix, and nothing is sent', async () => {
      const plain = invitation('m1');
      const context = { messageId: 'm1', template: 'invitation', to: plain.to };
      const theirs = createOutboxSeal(new Uint8Array(32).fill(4));
      await store.enqueueMail({ ...plain, data: sealLinks(theirs, context, plain.data) });
      await makeSender({ seal: createOutboxSeal(new Uint8Array(32).fill(5)) }).runOnce();
      assert.equal(sink.accepted, 0);
      const failed = (await store.getMail('m1'))!;
      assert.equal(failed.state, 'failed');
      assert.match(failed.lastError ?? '', /sealed under another outbox key .*SCIMBRIDGE_OUTBOX_KEY/);
      assert.ok(log.lines.some((line) => line.includes("does not open with this server's outbox key")));
    });

    test('a message whose data lacks the link is failed with a clear error, and nothing is sent', async () => {
      const { link: _omitted, ...withoutLink } = invitation('m1').data;
      await store.enqueueMail(invitation('m1', { data: withoutLink }));
      await store.enqueueMail(
        invitation('m2', { data: { ...invitation('m2').data, link: 'javascript:alert(1)' } }),
      );
      await makeSender().runOnce();
      assert.equal(sink.accepted, 0);
      const missing = (await store.getMail('m1'))!;
      assert.equal(missing.state, 'failed');
      assert.equal(missing.lastError, 'the invitation mail cannot be sent: link is missing');
      assert.equal(
        (await store.getMail('m2'))!.lastError,
        'the invitation mail cannot be sent: link is not an http(s) URL',
      );
      assert.equal(await makeSender().runOnce(), 0, 'failed messages stay failed');
      assert.ok(log.lines.some((line) => line.includes('mail not sent: its data is incomplete')));
    });

    test('a 4xx refusal is retried after the back-off, then the message is sent once', async () => {
      sink.refuse('MAIL', 451, 'Try again later');
      await store.enqueueMail(invitation('m1'));
      const sender = makeSender();
      await sender.runOnce();
      let stored = (await store.getMail('m1'))!;
      assert.equal(stored.state, 'queued');
      assert.equal(stored.attempts, 1);
      assert.match(stored.lastError!, /451 Try again later/);
      // First retry: min(60 s · 2^0, cap) with jitter 0.5 → 45 s.
      assert.equal(stored.nextAttemptAt, new Date(START + 45_000).toISOString());
      assert.ok(log.lines.some((line) => line.includes('mail delivery failed; will retry')));

      clock.advance(44_000);
      assert.equal(await sender.runOnce(), 0, 'not due before the back-off ends');
      clock.advance(1_000);
      assert.equal(await sender.runOnce(), 1);
      stored = (await store.getMail('m1'))!;
      assert.equal(stored.state, 'sent');
      assert.equal(stored.attempts, 2);
      assert.equal(sink.received.length, 1);
    });

    test('a 5xx on DATA is retried; a 5xx on the recipient fails at once', async () => {
      sink.refuse('DATA', 554, 'Transaction failed');
      await store.enqueueMail(invitation('m1'));
      const sender = makeSender();
      await sender.runOnce();
      assert.match((await store.getMail('m1'))!.lastError!, /554 Transaction failed/);
      assert.equal((await store.getMail('m1'))!.state, 'queued');
      clock.advance(60_000);
      await sender.runOnce();
      assert.equal((await store.getMail('m1'))!.state, 'sent');

      sink.refuse('RCPT', 550, 'No such user here');
      await store.enqueueMail(invitation('m2', { nextAttemptAt: clock.now().toISOString() }));
      await sender.runOnce();
      const refused = (await store.getMail('m2'))!;
      assert.equal(refused.state, 'failed');
      assert.equal(refused.attempts, 1);
      assert.match(refused.lastError!, /550 No such user here/);
      assert.ok(log.lines.some((line) => line.includes('refused the recipient for good')));
      assert.equal(sink.received.length, 1);
    });

    test('a refused connection is retried with growing delays, then the message fails and keeps the error', async () => {
      const port = await closedPort();
      await store.enqueueMail(invitation('m1'));
      const sender = makeSender({ url: `smtp://127.0.0.1:${port}` });
      const delays: number[] = [];
      for (let attempt = 1; attempt <= POLICY.maxAttempts; attempt++) {
        await sender.runOnce();
        const stored = (await store.getMail('m1'))!;
        assert.equal(stored.attempts, attempt);
        assert.match(stored.lastError!, /ECONNREFUSED/);
        if (stored.state === 'failed') break;
        const wait = Date.parse(stored.nextAttemptAt) - clock.ms;
        delays.push(wait);
        clock.advance(wait);
      }
      assert.deepEqual(delays, [45_000, 90_000]);
      assert.equal((await store.getMail('m1'))!.state, 'failed');
      assert.ok(log.lines.some((line) => line.includes('gave up after the last attempt')));
    });

    test('without STARTTLS from the server, a sender that requires TLS sends nothing', async () => {
      await store.enqueueMail(invitation('m1'));
      await makeSender({ requireTls: true }).runOnce();
      assert.equal(sink.accepted, 0);
      const stored = (await store.getMail('m1'))!;
      assert.equal(stored.state, 'queued');
      assert.match(stored.lastError!, /STARTTLS/i);
    });

    test('SMTP credentials never reach the stored error or the log', async () => {
      await sink.close();
      sink = await startSmtpSink({ credentials: { user: 'mailer', pass: 'right-password' } });
      await store.enqueueMail(invitation('m1'));
      const secret = 'Wr0ng-S3cret-pa55';
      await makeSender({ url: `smtp://mailer:${secret}@127.0.0.1:${sink.port}` }).runOnce();
      const stored = (await store.getMail('m1'))!;
      assert.equal(stored.state, 'queued');
      assert.match(stored.lastError!, /535/);
      assert.ok(!stored.lastError!.includes(secret));
      assert.ok(!log.lines.join('').includes(secret));

      await makeSender().runOnce();
      assert.equal(sink.accepted, 0, 'not yet due');
      clock.advance(60_000);
      await makeSender().runOnce();
      assert.equal(sink.accepted, 1);
    });

    test('restart in the middle: a claim left by a dead sender is sent once, after its lease', async () => {
      await store.enqueueMail(invitation('m1'));
      // The first process claims the message and dies before sending.
      const claimed = await store.claimDueMail(
        clock.now().toISOString(),
        { claimId: 'dead-process', until: new Date(START + 10 * 60_000).toISOString() },
        10,
      );
      assert.equal(claimed.length, 1);
      await store.close();
      store = await database.open();

      const sender = makeSender();
      assert.equal(await sender.runOnce(), 0, 'the claim still holds');
      clock.advance(10 * 60_000);
      assert.equal(await sender.runOnce(), 1);
      assert.equal(await sender.runOnce(), 0);
      assert.equal(sink.received.length, 1);
      assert.equal((await store.getMail('m1'))!.state, 'sent');
    });

    test('a slow server: no message is handed to SMTP once its claim is nearly over', async () => {
      for (let i = 1; i <= 5; i++) await store.enqueueMail(invitation(`m${i}`));
      // Every delivery takes two minutes of the injected clock.
      const slowClock = { now: () => new Date(clock.ms + 2 * 60_000 * sink.accepted) };
      const sender = createMailSender({
        store,
        transport: createSmtpTransport({ url: sink.url, requireTls: false, maxConnections: 1 }),
        clock: slowClock,
        ids: randomIds,
        random: () => 0.5,
        logger: log.logger,
        from: FROM,
        concurrency: 1,
      });
      senders.push(sender);
      assert.equal(await sender.runOnce(), 5);
      // Lease 10 minutes, 3 needed per send: the fifth would start with 2 minutes left.
      assert.equal(sink.accepted, 4);
      const left = (await store.getMail('m5'))!;
      assert.equal(left.state, 'queued');
      assert.equal(left.attempts, 0);
      assert.equal(await sender.runOnce(), 0, 'still claimed until the lease ends');
      clock.advance(2 * 60_000);
      assert.equal(await sender.runOnce(), 1);
      assert.equal(sink.accepted, 5);
      assert.equal(new Set(sink.received.map((mail) => mail.messageId)).size, 5);
    });

    test('two senders on one database deliver every message exactly once', async () => {
      const count = 150;
      for (let i = 0; i < count; i++) await store.enqueueMail(invitation(`m${String(i).padStart(3, '0')}`));
      const other = await database.open();
      extraStores.push(other);
      const realClock = { now: () => new Date(Math.max(Date.now(), START)) };
      const a = makeSender({ clock: realClock });
      const b = makeSender({ store: other, clock: realClock });
      a.start();
      b.start();
      await sink.waitFor(count, 30_000);
      await a.stop();
      await b.stop();
      assert.equal(sink.accepted, count);
      const ids = sink.received.map((mail) => mail.messageId);
      assert.equal(new Set(ids).size, count, 'no message arrived twice');
      assert.equal((await store.listMail({ limit: 1000, state: 'sent' })).length, count);
      assert.equal((await store.listMail({ limit: 1000, state: 'queued' })).length, 0);
    });
  });
}

describe('a sender process killed in the middle of a send', () => {
  for (const kind of testDatabases()) {
    test(`${kind}: the message is sent once, by the next sender, after the claim runs out`, async () => {
      const { spawn } = await import('node:child_process');
      const database = await freshDatabase(kind);
      const store = await database.open();
      const sink = await startSmtpSink();
      const leaseMs = 2_500;
      try {
        await store.enqueueMail(invitation('m1', { nextAttemptAt: new Date().toISOString() }));
        sink.stallNextData();
        const childOptions = {
          smtpUrl: sink.url,
          leaseMs,
          sendBudgetMs: 500,
          ...(kind === 'postgres'
            ? { postgres: { connectionString: TEST_DATABASE_URL, schema: schemas.at(-1)! } }
            : { sqlitePath: database.sqlitePath }),
        };
        const child = spawn(
          process.execPath,
          [
            '--import',
            'tsx',
            path.join(import.meta.dirname, 'sender-child.ts'),
            JSON.stringify(childOptions),
          ],
          { stdio: ['ignore', 'pipe', 'inherit'] },
        );
        const exited = new Promise((resolve) => child.once('exit', resolve));
        try {
          const deadline = Date.now() + 20_000;
          while (sink.stalled === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
          assert.equal(sink.stalled, 1, 'the child sent the message and waits for the answer');
        } finally {
          child.kill('SIGKILL');
          await exited;
        }
        const killedAt = Date.now();
        const left = (await store.getMail('m1'))!;
        assert.equal(left.state, 'queued', 'nothing was recorded by the dead process');
        assert.equal(left.attempts, 0);

        const log = captureLogger();
        const next = createMailSender({
          store,
          transport: createSmtpTransport({ url: sink.url, requireTls: false, maxConnections: 1 }),
          clock: { now: () => new Date() },
          ids: randomIds,
          random: () => 0.5,
          logger: log.logger,
          from: FROM,
          leaseMs,
          sendBudgetMs: 500,
        });
        try {
          assert.equal(await next.runOnce(), 0, 'the dead process’s claim still holds');
          await new Promise((resolve) =>
            setTimeout(resolve, Math.max(0, killedAt + leaseMs + 50 - Date.now())),
          );
          assert.equal(await next.runOnce(), 1);
          assert.equal(await next.runOnce(), 0);
        } finally {
          await next.stop();
        }
        assert.equal(sink.accepted, 1, 'delivered exactly once');
        assert.equal(sink.received[0]!.messageId, '<m1.outbox@acme.test>');
        const done = (await store.getMail('m1'))!;
        assert.equal(done.state, 'sent');
        assert.equal(done.attempts, 1);
      } finally {
        await store.close();
        await sink.close();
        await database.cleanUp();
      }
    });
  }
});
