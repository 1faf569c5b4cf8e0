/**
 * `scimbridge backup` while the account is being written and `scimbridge restore` of what it
 * wrote (issue 13): the copy is consistent, opens as an account with its counts, holds no
 * usable secret, and a restore refuses what is not a backup and an existing database.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { openStore } from '../../src/storage/open-store.ts';
import { execCli } from '../support/processes.ts';
import { startTestSystem, type TestSystem, USER_SCHEMA } from '../support/system.ts';

const env = () => ({ PATH: process.env.PATH ?? '', SCIMBRIDGE_LOG_LEVEL: 'warn' });

describe('backup while writes run, then restore', () => {
  let sys: TestSystem;
  let work: string;
  before(async () => {
    sys = await startTestSystem({ db: 'sqlite' });
    work = await mkdtemp(path.join(tmpdir(), 'scimbridge-backup-'));
    for (let i = 0; i < 20; i++) {
      const created = await sys.scim('POST', '/Users', {
        schemas: [USER_SCHEMA],
        userName: `before${i}@example.com`,
        emails: [{ value: `before${i}@example.com`, primary: true }],
      });
      assert.equal(created.status, 201, created.text);
    }
  });
  after(async () => {
    await sys?.close();
    await rm(work, { recursive: true, force: true });
  });

  test('a backup taken during writes restores to an account that opens, with no usable secret inside', async () => {
    const out = path.join(work, 'copy.db');
    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing) {
        const created = await sys.scim('POST', '/Users', {
          schemas: [USER_SCHEMA],
          userName: `during${written}@example.com`,
          emails: [{ value: `during${written}@example.com`, primary: true }],
        });
        assert.equal(created.status, 201, created.text);
        written++;
      }
    })();
    const backedUp = await execCli(['backup', '--data-dir', sys.dataDir, '--out', out], env());
    writing = false;
    await writer;
    assert.equal(backedUp.code, 0, backedUp.stderr);
    assert.match(backedUp.stdout, /^backed up .*scimbridge\.db to .*copy\.db \(\d+ KiB\)$/m);
    assert.ok(written > 0, 'writes ran while the backup did');

    // Consistent: every member in the copy has its e-mail row, and the counter agrees.
    const copy = new Database(out, { readonly: true });
    assert.equal(copy.pragma('integrity_check', { simple: true }), 'ok');
    const members = (copy.prepare('SELECT count(*) AS n FROM members').get() as { n: number }).n;
    copy.close();
    assert.ok(members >= 21 && members <= 21 + written, `members in the copy: ${members}`);

    // No usable secret: the token, the session file, the outbox key and every link are absent.
    const bytes = await readFile(out);
    const outboxKey = (await readFile(path.join(sys.dataDir, 'outbox.key'), 'utf8')).trim();
    const links = (await sys.store.listMail({ limit: 200 })).map((message) => sys.mailLink(message));
    for (const secret of [...sys.secrets, outboxKey, ...links.map((link) => link.split('/').pop()!)]) {
      assert.equal(bytes.includes(Buffer.from(secret)), false, 'a secret is in the backup');
    }

    const restoredDir = path.join(work, 'restored');
    const restored = await execCli(['restore', out, '--data-dir', restoredDir], env());
    assert.equal(restored.code, 0, restored.stderr);
    // Every member but the owner was invited: one mail each.
    assert.match(
      restored.stdout,
      new RegExp(
        `^restored My Team: schema version \\d+, ${members} members, 4 groups, ${members - 1} mails in `,
      ),
    );
    const store = await openStore({ dataDir: restoredDir });
    try {
      assert.ok(await store.findMemberByEmail('before19@example.com'));
    } finally {
      await store.close();
    }

    const again = await execCli(['restore', out, '--data-dir', restoredDir], env());
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already exists: stop the server and pass --replace/);
    const replaced = await execCli(['restore', out, '--data-dir', restoredDir, '--replace'], env());
    assert.equal(replaced.code, 0, replaced.stderr);
  });

  test('restore refuses a file that is not a backup and changes nothing; backup refuses to overwrite', async () => {
    const junk = path.join(work, 'junk.db');
    await writeFile(junk, 'not a database at all, but long enough to look like something');
    const dir = path.join(work, 'untouched');
    const refused = await execCli(['restore', junk, '--data-dir', dir], env());
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^scimbridge: .*junk\.db is not a scimbridge backup/);
    assert.equal(refused.stderr.trimEnd().split('\n').length, 1);

    const existing = await execCli(['backup', '--data-dir', sys.dataDir, '--out', junk], env());
    assert.equal(existing.code, 1);
    assert.match(existing.stderr, /junk\.db already exists: choose a new file/);
  });

  test('on PostgreSQL both commands name the tool to use instead', async () => {
    const url = 'postgres://scimbridge:secret-password@db.example.test/scimbridge';
    const backup = await execCli(['backup', '--database-url', url, '--out', path.join(work, 'x')], env());
    assert.equal(backup.code, 1);
    assert.match(backup.stderr, /PostgreSQL: back it up with pg_dump --format=custom/);
    const restore = await execCli(['restore', 'x.dump', '--database-url', url], env());
    assert.match(restore.stderr, /pg_restore --clean --if-exists/);
    assert.doesNotMatch(backup.stderr + restore.stderr, /secret-password/);
  });
});
