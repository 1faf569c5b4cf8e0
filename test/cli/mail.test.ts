/**
 * `scimbridge mail list|show` as an operator runs it: a real process against the data folder
 * of a running server (and of a stopped one), newest first, filtered by state, with the
 * links to hand over, and clear errors with exit code 1 for bad input.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { withoutLinks } from '../../src/account/mail/templates.ts';
import { execCli } from '../support/processes.ts';
import { startTestSystem, type TestSystem, USER_SCHEMA } from '../support/system.ts';

function cli(args: string[], env: Record<string, string> = {}) {
  return execCli(args, { ...process.env, ...env });
}

describe('scimbridge mail', () => {
  let sys: TestSystem;
  let ids: { first: string; second: string; change: string };

  before(async () => {
    sys = await startTestSystem({ env: { SCIMBRIDGE_ACCOUNT_URL: 'https://team.acme.test' } });
    const created = await sys.scim('POST', '/Users', {
      schemas: [USER_SCHEMA],
      userName: 'first@example.com',
    });
    await sys.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'second@example.com' });
    await sys.scim('PUT', `/Users/${created.body.id}`, {
      schemas: [USER_SCHEMA],
      userName: 'first@example.com',
      emails: [{ value: 'first.new@example.com', primary: true }],
    });
    const mail = await sys.store.listMail({ limit: 10 });
    ids = {
      change: mail.find((m) => m.template === 'email_change')!.id,
      second: mail.find((m) => m.to === 'second@example.com')!.id,
      first: mail.find((m) => m.to === 'first@example.com')!.id,
    };
  });
  after(async () => {
    await sys.close();
  });

  test('list shows the queue newest first while the server runs, and filters by state', async () => {
    const listed = await cli(['mail', 'list', '--data-dir', sys.dataDir]);
    assert.equal(listed.code, 0, listed.stderr);
    const lines = listed.stdout.trim().split('\n');
    assert.match(lines[0]!, /^ID\s+CREATED\s+STATE\s+TRIES\s+TEMPLATE\s+TO$/);
    assert.deepEqual(
      lines.slice(1).map((line) => line.split(/\s+/)[0]),
      [ids.change, ids.second, ids.first],
    );
    assert.match(lines[1]!, /queued\s+0\s+email_change\s+first\.new@example\.com$/);

    const failed = await cli(['mail', 'list', '--state', 'failed', '--data-dir', sys.dataDir]);
    assert.equal(failed.stdout, 'No failed messages.\n');
    const limited = await cli(['mail', 'list', '--limit', '1', '--data-dir', sys.dataDir]);
    assert.equal(limited.stdout.trim().split('\n').length, 2);
  });

  test('show prints headers, links and the text body; rows it cannot render say why', async () => {
    const shown = await cli(['mail', 'show', ids.change, '--data-dir', sys.dataDir], {
      SCIMBRIDGE_MAIL_FROM: 'Acme <accounts@acme.test>',
    });
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^State\s+queued \(0 attempts; next attempt /m);
    assert.match(shown.stdout, /^From\s+Acme <accounts@acme\.test>$/m);
    assert.match(shown.stdout, /^To\s+first\.new@example\.com$/m);
    assert.match(shown.stdout, /^Subject\s+Confirm your new e-mail address for My Team$/m);
    assert.match(shown.stdout, new RegExp(`^Message-ID\\s+<${ids.change}\\.outbox@acme\\.test>$`, 'm'));
    assert.match(shown.stdout, /^ {2}https:\/\/team\.acme\.test\/email-change\/[A-Za-z0-9_-]{43}$/m);
    assert.match(
      shown.stdout,
      /--- text body ---\n[\s\S]*from first@example\.com to first\.new@example\.com/,
    );

    const invitation = await cli(['mail', 'show', ids.first, '--data-dir', sys.dataDir]);
    assert.equal(invitation.code, 0, invitation.stderr);
    assert.match(invitation.stdout, /^Subject\s+You are invited to join My Team$/m);
    assert.match(invitation.stdout, /^ {2}https:\/\/team\.acme\.test\/signup\/[A-Za-z0-9_-]{43}$/m);

    // A row missing what its template needs (e.g. written by hand) is shown, not sent.
    const second = (await sys.store.getMail(ids.second))!;
    const { sealedLink: _link, ...withoutLink } = second.data;
    await sys.store.updateMail({ ...second, data: withoutLink });
    const broken = await cli(['mail', 'show', ids.second, '--data-dir', sys.dataDir]);
    assert.equal(broken.code, 0, broken.stderr);
    assert.match(
      broken.stdout,
      /This message cannot be rendered: the invitation mail cannot be sent: link is missing/,
    );
  });

  test('links are sealed in the database: a copy of it without the outbox key shows none (issue 12)', async () => {
    const copy = await mkdtemp(path.join(tmpdir(), 'scimbridge-copy-'));
    try {
      // The database as another user could have copied it (with its WAL), without outbox.key.
      for (const name of ['scimbridge.db', 'scimbridge.db-wal']) {
        await copyFile(path.join(sys.dataDir, name), path.join(copy, name));
      }
      const shown = await cli(['mail', 'show', ids.first, '--data-dir', copy]);
      assert.equal(shown.code, 0, shown.stderr);
      assert.match(
        shown.stdout,
        /This message cannot be rendered: the link is sealed and no outbox key is at hand/,
      );
      assert.doesNotMatch(shown.stdout, /signup\/[A-Za-z0-9_-]{43}/);
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });

  test('a sent message shows its headers, and where its link was removed', async () => {
    const row = (await sys.store.getMail(ids.change))!;
    await sys.store.updateMail({
      ...row,
      state: 'sent',
      attempts: 1,
      sentAt: new Date().toISOString(),
      data: withoutLinks(row.data),
    });
    const shown = await cli(['mail', 'show', ids.change, '--data-dir', sys.dataDir]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^State\s+sent \(1 attempt\)$/m);
    assert.match(shown.stdout, /^Subject\s+Confirm your new e-mail address for My Team$/m);
    assert.match(shown.stdout, /^ {2}\[removed after delivery\]$/m);
    assert.ok(!/email-change\/[A-Za-z0-9_-]{43}/.test(shown.stdout), 'no usable link left');
    await sys.store.updateMail(row);
  });

  test('bad ids, unknown ids and bad options are one clear line and exit code 1', async () => {
    for (const [args, message] of [
      [['mail', 'show', 'no-such-id'], /^scimbridge: no message with id no-such-id/],
      [['mail', 'show', "x'; DROP TABLE outbox;--"], /is not a message id/],
      [['mail', 'list', '--state', 'lost'], /--state must be one of queued, sent, failed/],
      [['mail', 'list', '--limit', '0'], /--limit must be a whole number/],
    ] as const) {
      const result = await cli([...args, '--data-dir', sys.dataDir]);
      assert.equal(result.code, 1, args.join(' '));
      assert.match(result.stderr, message);
      assert.equal(result.stderr.trim().split('\n').length, 1);
    }
  });

  test('a folder without a database is an error, not an empty outbox', async () => {
    const result = await cli(['mail', 'list', '--data-dir', path.join(sys.dataDir, 'elsewhere')]);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /^scimbridge: no database at .*elsewhere\/scimbridge\.db; pass --data-dir or --database-url\n$/,
    );
  });

  test('works on the data folder of a stopped server', async () => {
    await sys.system.close();
    const shown = await cli(['mail', 'show', ids.second, '--data-dir', sys.dataDir]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^To\s+second@example\.com$/m);
    // The test system's close() would close the store again: reopen nothing, just skip it.
    sys.system.close = async () => {};
  });
});
