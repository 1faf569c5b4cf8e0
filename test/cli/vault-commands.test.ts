/**
 * `scimbridge vault create|grant|list` and `scimbridge member vaults` as a user runs them: a
 * separate process on the data directory of a running system (SQLite in WAL mode lets it).
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execCli } from '../support/processes.ts';
import { signUp, TEST_PASSWORD } from '../support/sign-up.ts';
import { GROUP_SCHEMA, startTestSystem, type TestSystem, USER_SCHEMA } from '../support/system.ts';

describe('vault commands', () => {
  let sys: TestSystem;
  let passwordFile: string;
  let wrongFile: string;

  const cli = (...args: string[]) =>
    execCli([...args, '--data-dir', sys.dataDir], { PATH: process.env.PATH ?? '' });

  before(async () => {
    sys = await startTestSystem();
    const ids: Record<string, string> = {};
    for (const name of ['fay', 'gus']) {
      const res = await sys.scim('POST', '/Users', {
        schemas: [USER_SCHEMA],
        userName: `${name}@example.com`,
      });
      ids[name] = res.body.id;
    }
    await sys.scim('POST', '/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'Finance',
      members: [{ value: ids.fay }],
    });
    await sys.scim('POST', '/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'Ops',
      members: [{ value: ids.gus }],
    });
    for (const id of Object.values(ids)) await signUp(sys.store, id);
    await sys.system.watcher.runNow();
    passwordFile = path.join(sys.dataDir, 'password');
    wrongFile = path.join(sys.dataDir, 'wrong');
    await writeFile(passwordFile, `${TEST_PASSWORD}\n`);
    await writeFile(wrongFile, 'not it\n');
  });
  after(async () => {
    await sys?.close();
  });

  test('create, list, open as a member, grant to another group', async () => {
    const created = await cli('vault', 'create', '--name', 'Ledger', '--group', 'Finance');
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /Vault "Ledger" \(.+\) opens for: Finance/);

    const listed = await cli('vault', 'list');
    assert.match(listed.stdout, /Ledger {2}\(Finance: manage\)/, 'the creating group manages the vault');

    const fay = await cli('member', 'vaults', '--email', 'fay@example.com', '--password-file', passwordFile);
    assert.equal(fay.code, 0, fay.stderr);
    assert.match(fay.stdout, /Ledger {2}\(through Finance\)/);
    const gus = await cli('member', 'vaults', '--email', 'gus@example.com', '--password-file', passwordFile);
    assert.match(gus.stdout, /can open no vault yet/);

    const granted = await cli(
      'vault',
      'grant',
      '--vault',
      'Ledger',
      '--group',
      'Ops',
      '--email',
      'fay@example.com',
      '--password-file',
      passwordFile,
    );
    assert.equal(granted.code, 0, granted.stderr);
    assert.match(granted.stdout, /now opens for Ops too \(permission view\)/);
    const after = await cli(
      'member',
      'vaults',
      '--email',
      'gus@example.com',
      '--password-file',
      passwordFile,
    );
    assert.match(after.stdout, /Ledger {2}\(through Ops\)/);
  });

  test('permissions (P18): grant with one, change one, and the last manager is kept', async () => {
    const created = await cli('vault', 'create', '--name', 'Payroll', '--group', 'Finance');
    assert.equal(created.code, 0, created.stderr);
    const granted = await cli(
      'vault',
      'grant',
      '--vault',
      'Payroll',
      '--group',
      'Ops',
      '--permission',
      'edit',
      '--email',
      'fay@example.com',
      '--password-file',
      passwordFile,
    );
    assert.equal(granted.code, 0, granted.stderr);
    assert.match(granted.stdout, /\(permission edit\)/);

    const lowered = await cli('vault', 'permission', 'Payroll', 'Finance', 'view');
    assert.equal(lowered.code, 1);
    assert.equal(
      lowered.stderr.trim(),
      'scimbridge: Finance is the only group that manages Payroll: give another group manage first, so that the vault keeps a manager',
    );
    const bad = await cli('vault', 'permission', 'Payroll', 'Ops', 'owner');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /the permission must be one of view, edit, manage/);
    const nobody = await cli('vault', 'permission', 'Payroll', 'Nobody', 'view');
    assert.equal(nobody.code, 1);
    assert.match(nobody.stderr, /no group named or with id "Nobody"/);
    assert.match(
      (await cli('vault', 'list')).stdout,
      /Payroll {2}\(Finance: manage, Ops: edit\)|Payroll {2}\(Ops: edit, Finance: manage\)/,
    );

    const raised = await cli('vault', 'permission', 'Payroll', 'Ops', 'manage');
    assert.equal(raised.code, 0, raised.stderr);
    assert.equal(raised.stdout, 'Ops on "Payroll": edit → manage\n');
    const now = await cli('vault', 'permission', 'Payroll', 'Finance', 'view');
    assert.equal(now.code, 0, now.stderr);
    const entry = (await sys.store.listActivity({ limit: 1 }))[0]!;
    assert.deepEqual(
      [entry.action, entry.detail.group, entry.detail.from, entry.detail.to],
      ['vault.permission_changed', 'Finance', 'manage', 'view'],
    );
    assert.match(String(entry.detail.by), /^command line \(user /);
  });

  test('mistakes get one clear line and exit 1, and change nothing', async () => {
    const wrong = await cli('member', 'vaults', '--email', 'fay@example.com', '--password-file', wrongFile);
    assert.equal(wrong.code, 1);
    assert.equal(wrong.stderr.trim(), 'scimbridge: the password is wrong for fay@example.com');
    assert.ok(!wrong.stderr.includes('not it'));

    const missing = await cli(
      'member',
      'vaults',
      '--email',
      'fay@example.com',
      '--password-file',
      '/nonexistent/pw',
    );
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /cannot read the password file/);

    const noGroup = await cli('vault', 'create', '--name', 'Orphan');
    assert.notEqual(noGroup.code, 0);
    assert.match(noGroup.stderr, /--group/);

    const unknownGroup = await cli('vault', 'create', '--name', 'Orphan', '--group', 'Nobody');
    assert.equal(unknownGroup.code, 1);
    assert.match(unknownGroup.stderr, /no group named or with id "Nobody"/);
    assert.doesNotMatch((await cli('vault', 'list')).stdout, /Orphan/);

    const notHolder = await cli(
      'vault',
      'grant',
      '--vault',
      'Ledger',
      '--group',
      'Finance',
      '--email',
      'owner@example.com',
      '--password-file',
      passwordFile,
    );
    assert.equal(notHolder.code, 1);
    assert.match(notHolder.stderr, /has not signed up yet/);
  });
});
