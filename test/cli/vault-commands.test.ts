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
    assert.match(listed.stdout, /Ledger {2}\(Finance\)/);

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
