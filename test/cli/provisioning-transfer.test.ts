/**
 * `scimbridge provisioning setup --new-integration` and `provisioning transfer-groups` (P20)
 * as an operator runs them: separate processes on the data directory of a running system.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execCli } from '../support/processes.ts';
import {
  eventually,
  GROUP_SCHEMA,
  startTestSystem,
  type TestSystem,
  USER_SCHEMA,
} from '../support/system.ts';

describe('provisioning transfer-groups', () => {
  let sys: TestSystem;
  let groupId = '';
  const cli = (...args: string[]) =>
    execCli([...args, '--data-dir', sys.dataDir], { PATH: process.env.PATH ?? '' });

  before(async () => {
    sys = await startTestSystem();
    const ada = await sys.scim('POST', '/Users', {
      schemas: [USER_SCHEMA],
      userName: 'ada@example.com',
      emails: [{ value: 'ada@example.com', primary: true }],
    });
    const group = await sys.scim('POST', '/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'Engineering',
      members: [{ value: ada.body.id }],
    });
    assert.equal(group.status, 201, group.text);
    groupId = group.body.id;
  });
  after(() => sys?.close());

  test('with nothing set aside it says so, exits 1 and changes nothing', async () => {
    const refused = await cli('provisioning', 'transfer-groups');
    assert.equal(refused.code, 1);
    assert.equal(
      refused.stderr,
      'scimbridge: no managed groups of a previous integration are waiting for a transfer: nothing changed\n',
    );
    const listed = await cli('provisioning', 'transfer-groups', '--dry-run');
    assert.equal(listed.stdout, 'No managed groups of a previous integration are waiting for a transfer.\n');
  });

  test('setup --new-integration: new credentials, the old token refused, the groups set aside', async () => {
    const before = (await sys.store.getIntegration())!;
    const tokenFile = path.join(sys.dataDir, 'new-token');
    const made = await cli('provisioning', 'setup', '--new-integration', '--token-out', tokenFile);
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, /This is a new integration: the groups the previous one managed are set aside/);
    assert.match(made.stdout, /scimbridge provisioning transfer-groups/);
    const oldToken = sys.token;
    sys.token = (await readFile(tokenFile, 'utf8')).trim();
    sys.secrets.add(sys.token);
    assert.notEqual((await sys.store.getIntegration())!.id, before.id);
    await eventually(
      async () =>
        (await sys.scim('GET', '/Groups', undefined, { authorization: `Bearer ${oldToken}` })).status === 401,
      'the old token being refused',
    );

    const listed = await cli('provisioning', 'transfer-groups', '--dry-run', '--json');
    assert.equal(listed.code, 0, listed.stderr);
    const waiting = JSON.parse(listed.stdout);
    assert.deepEqual(
      waiting.map((g: { id: string; displayName: string; memberCount: number; integrationId: string }) => [
        g.id,
        g.displayName,
        g.memberCount,
        g.integrationId,
      ]),
      [[groupId, 'Engineering', 1, before.id]],
    );
    const table = await cli('provisioning', 'transfer-groups', '--dry-run');
    assert.match(table.stdout, /^NAME +MEMBERS +PREVIOUS INTEGRATION +ID\nEngineering +1 +/);
  });

  test('transfer-groups hands them to the new integration, once', async () => {
    const moved = await cli('provisioning', 'transfer-groups', '--json');
    assert.equal(moved.code, 0, moved.stderr);
    const result = JSON.parse(moved.stdout);
    assert.equal(result.integrationId, (await sys.store.getIntegration())!.id);
    assert.deepEqual(
      result.groups.map((g: { id: string; managed: boolean }) => [g.id, g.managed]),
      [[groupId, true]],
    );
    await eventually(
      async () => (await sys.scim('GET', `/Groups/${groupId}`)).status === 200,
      'the new token finding the group',
    );
    const again = await cli('provisioning', 'transfer-groups');
    assert.equal(again.code, 1);
    assert.match(again.stderr, /nothing changed/);
    // Other entries may follow (the bridge re-sealing group keys for its new credentials).
    const entry = (await sys.store.listActivity({ limit: 20 })).find(
      (e) => e.action === 'integration.groups_transferred',
    );
    assert.match(String(entry?.detail.by), /^command line \(user /);
  });
});
