/**
 * Issue 12, defect 1: what a copy of the database gives away. With no SMTP server, mail
 * waits in the outbox; the invitation and e-mail-change links in it are working
 * credentials. The raw database — the SQLite file with its WAL, or every PostgreSQL table —
 * must hold no link, token or key that opens a sign-up or e-mail-change page of the running
 * server; the real links (opened with the outbox key, which is not in the database) still
 * work. And the data directory and every file in it are private whatever the umask.
 */
import assert from 'node:assert/strict';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { SEALED_LINK_FIELD } from '../../src/account/mail/outbox-seal.ts';
import { createMonitoringToken } from '../../src/account/monitoring-tokens.ts';
import { randomIds, systemClock } from '../../src/clock.ts';
import { startTestSystem, TEST_DATABASE_URL, type TestSystem, USER_SCHEMA } from '../support/system.ts';

/** Every run of 43 base64url characters (the shape of every link secret) in some text. */
function tokenCandidates(text: string): Set<string> {
  return new Set(text.match(/(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g) ?? []);
}

async function rawSqlite(dataDir: string): Promise<string> {
  const parts: string[] = [];
  for (const name of ['scimbridge.db', 'scimbridge.db-wal']) {
    try {
      parts.push((await readFile(path.join(dataDir, name))).toString('latin1'));
    } catch {}
  }
  return parts.join('\n');
}

async function rawPostgres(schema: string): Promise<string> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    const tables = await client.query<{ table_name: string }>(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1',
      [schema],
    );
    const parts: string[] = [];
    for (const { table_name } of tables.rows) {
      const rows = await client.query<{ row: string }>(
        `SELECT row_to_json(t)::text AS row FROM "${schema}"."${table_name}" t`,
      );
      parts.push(...rows.rows.map((row) => row.row));
    }
    return parts.join('\n');
  } finally {
    await client.end();
  }
}

for (const db of ['sqlite', 'postgres'] as const) {
  describe(`a copy of the database opens no link (${db})`, () => {
    let sys: TestSystem;
    let umask: number;
    let monitoring: string;

    before(async () => {
      // The loosest umask there is: files must come out private anyway.
      umask = process.umask(0);
      // Over the account API, so that API sessions are in the database too.
      sys = await startTestSystem({ db, accountTransport: 'http' });
      monitoring = (
        await createMonitoringToken({ store: sys.store, clock: systemClock, ids: randomIds }, 'scan')
      ).token;
      sys.secrets.add(monitoring);
      for (const name of ['ada', 'bob']) {
        const created = await sys.scim('POST', '/Users', {
          schemas: [USER_SCHEMA],
          userName: `${name}@example.com`,
          emails: [{ value: `${name}@example.com`, primary: true }],
        });
        assert.equal(created.status, 201, created.text);
      }
      const ada = (await sys.scim('GET', '/Users?filter=userName eq "ada@example.com"')).body.Resources[0];
      const changed = await sys.scim('PUT', `/Users/${ada.id}`, {
        schemas: [USER_SCHEMA],
        userName: 'ada@example.com',
        emails: [{ value: 'ada.new@example.com', primary: true }],
      });
      assert.equal(changed.status, 200, changed.text);
    });
    after(async () => {
      process.umask(umask);
      await sys.close();
    });

    test('the raw database holds no working link or token; the sealed links open only with the outbox key', async () => {
      const mail = await sys.store.listMail({ limit: 50 });
      const linked = mail.filter((message) => message.template !== 'account_ready');
      assert.deepEqual(linked.map((message) => message.template).sort(), [
        'email_change',
        'invitation',
        'invitation',
      ]);
      const realLinks = linked.map((message) => new URL(sys.mailLink(message)).pathname);
      // The control: the real links work, so a leaked one would be caught below.
      for (const link of realLinks) {
        const page = await fetch(`${sys.system.accountAddress}${link}`);
        assert.equal(page.status, 200, link);
        await page.text();
      }
      for (const message of linked) {
        assert.equal(message.data.link, undefined, 'no link in clear');
        assert.match(String(message.data[SEALED_LINK_FIELD]), /^obx1\./);
      }

      const raw = db === 'sqlite' ? await rawSqlite(sys.dataDir) : await rawPostgres(sys.schema!);
      assert.ok(raw.includes('ada@example.com'), 'the dump is the real data');
      for (const link of realLinks) {
        assert.ok(!raw.includes(link.split('/').pop()!), 'a link secret is in the database');
      }
      assert.doesNotMatch(raw, /\/(signup|email-change)\/[A-Za-z0-9_-]{43}/);
      assert.ok(!raw.includes(monitoring.slice(4)), 'the monitoring token is in the database');
      // The controls for the tokens: a monitoring token and the bridge's API session work.
      assert.equal(
        (
          await fetch(`${sys.system.bridgeAddress}/health`, {
            headers: { authorization: `Bearer ${monitoring}` },
          })
        ).status,
        200,
      );
      // Whatever looks like a secret (digests, sealed values, ids …) opens nothing: no page,
      // no monitoring endpoint, no account API session.
      const candidates = tokenCandidates(raw);
      assert.ok(candidates.size > 0, 'the digests at least are 43-character values');
      for (const candidate of candidates) {
        for (const page of ['signup', 'email-change']) {
          const response = await fetch(`${sys.system.accountAddress}/${page}/${candidate}`);
          await response.text();
          assert.notEqual(response.status, 200, `/${page}/<a value from the database> opened`);
        }
        const health = await fetch(`${sys.system.bridgeAddress}/health`, {
          headers: { authorization: `Bearer sbm_${candidate}` },
        });
        await health.text();
        assert.notEqual(health.status, 200, 'a value from the database works as a monitoring token');
        const api = await fetch(`${sys.system.accountAddress}/api/v1/sign-ups/count`, {
          headers: { authorization: `Bearer sbs_${candidate}` },
        });
        await api.text();
        assert.notEqual(api.status, 200, 'a value from the database works as an account API session');
      }
    });

    if (db === 'sqlite') {
      test('the data directory is 0700 and every file in it 0600, under umask 0', async () => {
        const files = await readdir(sys.dataDir);
        for (const name of [
          'scimbridge.db',
          'scimbridge.db-wal',
          'scimbridge.db-shm',
          'outbox.key',
          'scimsession',
        ]) {
          assert.ok(files.includes(name), `${name} exists`);
        }
        for (const name of files) {
          const mode = (await stat(path.join(sys.dataDir, name))).mode & 0o777;
          assert.equal(mode.toString(8), '600', name);
        }
      });
    }
  });
}
