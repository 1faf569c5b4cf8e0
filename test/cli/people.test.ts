/**
 * `scimbridge member list|show|suspend|reactivate|delete` and `scimbridge group …` as an
 * operator runs them: separate processes on the data directory of a running system.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { makeMember } from '../../src/storage/contract.ts';
import { execCli } from '../support/processes.ts';
import { GROUP_SCHEMA, startTestSystem, type TestSystem, USER_SCHEMA } from '../support/system.ts';

const ROOT = path.join(import.meta.dirname, '..', '..');

describe('people and group commands', () => {
  let sys: TestSystem;
  let grace: string;
  const cli = (...args: string[]) =>
    execCli([...args, '--data-dir', sys.dataDir], { PATH: process.env.PATH ?? '' });

  before(async () => {
    sys = await startTestSystem();
    const created = await sys.scim('POST', '/Users', {
      schemas: [USER_SCHEMA],
      userName: 'grace@example.com',
      name: { givenName: 'Grace', familyName: 'Hopper' },
      displayName: 'Grace Hopper',
    });
    grace = created.body.id;
    await sys.scim('POST', '/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'Eng',
      members: [{ value: grace }],
    });
    // People the IdP does not manage, as an administrator would have invited them.
    for (let i = 0; i < 300; i++) {
      const id = `local-${String(i).padStart(3, '0')}`;
      await sys.store.insertMember(
        makeMember(id, {
          email: `local${String(i).padStart(3, '0')}@example.com`,
          managed: false,
          state: 'invited',
        }),
      );
    }
  });
  after(() => sys?.close());

  test('member list: pages with a cursor, filters, JSON', async () => {
    const first = await cli('member', 'list', '--limit', '2');
    assert.equal(first.code, 0, first.stderr);
    const lines = first.stdout.trim().split('\n');
    assert.match(lines[0]!, /^EMAIL +NAME +STATE +MANAGED +ROLE +ID$/);
    assert.match(lines[1]!, /^grace@example\.com +Grace Hopper +invited +IdP +member +/);
    assert.equal(lines.length, 3);
    const cursor = /--after (\S+)/.exec(first.stderr)?.[1];
    assert.ok(cursor, first.stderr);
    const next = await cli('member', 'list', '--limit', '1', '--after', cursor, '--json');
    const page = JSON.parse(next.stdout);
    assert.deepEqual(
      page.people.map((m: { email: string }) => m.email),
      ['local001@example.com'],
    );
    assert.equal(typeof page.next, 'string');

    const managed = await cli('member', 'list', '--managed', '--json');
    assert.deepEqual(
      JSON.parse(managed.stdout).people.map((m: { email: string }) => m.email),
      ['grace@example.com'],
    );
    const search = await cli('member', 'list', '--search', 'HOPP');
    assert.match(search.stdout, /grace@example\.com/);
    assert.doesNotMatch(search.stdout, /local/);
    const none = await cli('member', 'list', '--state', 'pending');
    assert.equal(none.stdout, 'No members match.\n');

    const bad = await cli('member', 'list', '--state', 'asleep');
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr, 'scimbridge: the state must be one of invited, pending, active, suspended\n');
    const badCursor = await cli('member', 'list', '--after', 'nonsense');
    assert.equal(badCursor.code, 1);
    assert.match(
      badCursor.stderr,
      /^scimbridge: the page cursor is not one this list gave out; start from the first page\n$/,
    );
  });

  test('output piped into head ends quietly', async () => {
    const command = `node --import tsx src/cli/main.ts member list --json --limit 300 --data-dir '${sys.dataDir}' | head -c 100 >/dev/null; echo "exit=\${PIPESTATUS[0]}"`;
    const { stdout, stderr } = await promisify(execFile)('bash', ['-c', command], { cwd: ROOT });
    assert.equal(stdout.trim(), 'exit=0');
    assert.equal(stderr, '');
  });

  test('member show, suspend, reactivate and delete', async () => {
    const shown = await cli('member', 'show', 'Grace@Example.com');
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^Member +\S+\nE-mail +grace@example\.com\n/);
    assert.match(shown.stdout, /Managed +by the IdP/);
    assert.match(shown.stdout, /Groups:\n(.*\n)* {2}Eng {2}\(managed, no key yet\)/);
    assert.match(shown.stdout, /Recent activity:\n.*Invited a person \[member\.invited\]/);

    const refused = await cli('member', 'suspend', grace);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /^scimbridge: grace@example\.com is managed by your identity provider: suspend them there/,
    );
    assert.equal((await sys.store.getMember(grace))!.state, 'invited');

    const suspended = await cli('member', 'suspend', 'local007@example.com');
    assert.equal(suspended.code, 0, suspended.stderr);
    assert.equal(
      suspended.stdout,
      'local007@example.com is suspended; their sessions and open invitation ended.\n',
    );
    assert.equal((await sys.store.getMember('local-007'))!.state, 'suspended');
    const entry = (await sys.store.listActivity({ limit: 1, targetId: 'local-007' }))[0]!;
    assert.match(String(entry.detail.by), /^command line \(user .+\)$/);
    const back = await cli('member', 'reactivate', 'local-007');
    assert.match(back.stdout, /reactivated and invited again/);

    const unconfirmed = await cli('member', 'delete', 'local-008');
    assert.equal(unconfirmed.code, 1);
    assert.match(unconfirmed.stderr, /cannot be undone; run again with --yes/);
    assert.ok(await sys.store.getMember('local-008'));
    const deleted = await cli('member', 'delete', 'local-008', '--yes');
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(deleted.stdout, 'local008@example.com is deleted.\n');
    assert.equal(await sys.store.getMember('local-008'), undefined);
    const again = await cli('member', 'delete', 'local-008', '--yes');
    assert.equal(again.code, 1);
    assert.equal(again.stderr, 'scimbridge: no member is known by "local-008"\n');
  });

  test('member promote and demote: the console for an active member, and their sessions ended', async () => {
    const now = new Date().toISOString();
    await sys.store.insertMember(
      makeMember('kim-1', {
        email: 'kim@example.com',
        userName: 'kim@example.com',
        managed: false,
        state: 'active',
        signedUpAt: now,
        confirmedAt: now,
      }),
    );
    const promoted = await cli('member', 'promote', 'kim@example.com');
    assert.equal(promoted.code, 0, promoted.stderr);
    assert.equal(
      promoted.stdout,
      'kim@example.com is an administrator: they may sign in to the console. No group keys were handed over.\n',
    );
    assert.match((await cli('member', 'show', 'kim-1')).stdout, /Groups:\n {2}Administrators {2}\(built-in/);
    const twice = await cli('member', 'promote', 'kim@example.com');
    assert.equal(twice.stderr, 'scimbridge: kim@example.com is an administrator already.\n');

    await sys.store.insertMemberSession({
      tokenHash: 'kim-console',
      memberId: 'kim-1',
      createdAt: now,
      expiresAt: new Date(Date.now() + 3600_000).toISOString(),
    });
    const demoted = await cli('member', 'demote', 'kim@example.com');
    assert.equal(demoted.code, 0, demoted.stderr);
    assert.equal(demoted.stdout, 'kim@example.com is no longer an administrator; 1 session ended.\n');
    assert.equal(await sys.store.getMemberSession('kim-console'), undefined);
    const entry = (await sys.store.listActivity({ limit: 1, targetId: 'kim-1' }))[0]!;
    assert.equal(entry.action, 'member.administrator_removed');
    assert.match(String(entry.detail.by), /^command line \(user .+\)$/);

    const notOne = await cli('member', 'demote', 'kim@example.com');
    assert.equal(notOne.code, 1);
    assert.equal(notOne.stderr, 'scimbridge: kim@example.com is not an administrator.\n');
    const invited = await cli('member', 'promote', 'local010@example.com');
    assert.equal(invited.code, 1);
    assert.match(invited.stderr, /is invited: only an active person who completed sign-up/);
    const owner = await cli('member', 'demote', 'owner@example.com');
    assert.equal(owner.code, 1);
    assert.match(owner.stderr, /the owner cannot be removed from Owners/);
  });

  test('group list, create, rename, managed, delete', async () => {
    const created = await cli('group', 'create', 'Finance');
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /^Group "Finance" created \(\S+\)\.\n$/);
    const listed = await cli('group', 'list');
    assert.match(listed.stdout, /^NAME +KIND +MANAGED +MEMBERS +ID\n/);
    assert.match(listed.stdout, /\nTeam Members +built-in +- +2 /);
    assert.match(listed.stdout, /\nProvision Managers +built-in, provisioning +- +0 /);
    assert.match(listed.stdout, /\nEng +custom +IdP +1 /);
    assert.match(listed.stdout, /\nFinance +custom +- +0 /);
    const json = JSON.parse((await cli('group', 'list', '--managed', '--json')).stdout);
    assert.deepEqual(
      json.map((g: { displayName: string; memberCount: number }) => [g.displayName, g.memberCount]),
      [['Eng', 1]],
    );

    const renamed = await cli('group', 'rename', 'finance', 'Money');
    assert.match(renamed.stdout, /is now "Money"\.\n$/);
    const idpGroup = await cli('group', 'rename', 'Eng', 'Engineering');
    assert.match(idpGroup.stdout, /managed by the IdP, whose next push of it may change it again/);
    const builtIn = await cli('group', 'rename', 'Provision Managers', 'X');
    assert.equal(builtIn.code, 1);
    assert.equal(
      builtIn.stderr,
      'scimbridge: Provision Managers belongs to the provisioning integration itself and cannot be renamed\n',
    );
    const taken = await cli('group', 'create', 'money');
    assert.equal(taken.stderr, 'scimbridge: a group named "Money" already exists\n');

    assert.match((await cli('group', 'managed', 'Money', 'on')).stdout, /"Money" is managed by the IdP\./);
    const noYes = await cli('group', 'delete', 'Money');
    assert.equal(noYes.code, 1);
    const deleted = await cli('group', 'delete', 'Money', '--yes');
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.match(deleted.stdout, /^Group "Money" is deleted; its members stay\. It is managed by the IdP/);
    assert.equal(await sys.store.findGroupByDisplayName('Money'), undefined);
  });

  test('without a database the commands say where they looked', async () => {
    const missing = await execCli(['member', 'list', '--data-dir', path.join(sys.dataDir, 'nope')], {
      PATH: process.env.PATH ?? '',
    });
    assert.equal(missing.code, 1);
    assert.match(
      missing.stderr,
      /^scimbridge: no database at .*nope.scimbridge\.db; pass --data-dir or --database-url\n$/,
    );
  });
});
