/**
 * The bridge holds only the keys of Team Members and managed groups, end to end: a group
 * taken off the managed list and put back waits for an administrator to give its key again
 * (`scimbridge group give-key-to-bridge`, run as a separate process); and after a re-created
 * integration (P20) the bridge that moved to the new credentials keeps the old provisioning
 * key in memory until the set-aside groups are transferred and re-sealed.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { transferManagedGroups } from '../../src/account/transfer-managed-groups.ts';
import { randomIds, systemClock } from '../../src/clock.ts';
import { HoldableClock } from '../support/fake-clock.ts';
import { execCli } from '../support/processes.ts';
import { signUp, TEST_PASSWORD } from '../support/sign-up.ts';
import { GROUP_SCHEMA, startTestSystem, type TestSystem, USER_SCHEMA } from '../support/system.ts';

describe("the bridge's key seals", () => {
  let sys: TestSystem;
  const ids: Record<string, string> = {};
  let passwordFile: string;
  /** The watcher waits before it retries a member it could not confirm; the test moves its clock on instead. */
  const clock = new HoldableClock();

  const cli = (...args: string[]) =>
    execCli([...args, '--data-dir', sys.dataDir], { PATH: process.env.PATH ?? '' });
  const createUser = async (name: string) => {
    const res = await sys.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: `${name}@example.com` });
    assert.equal(res.status, 201, res.text);
    ids[name] = res.body.id;
  };
  const stateOf = async (name: string) => (await sys.store.getMember(ids[name]!))?.state;
  const sealOf = async (group: string) =>
    (await sys.store.getGroupKeys([ids[group]!]))[0]?.sealedForProvisioning ?? null;
  const addToGroup = async (group: string, name: string) => {
    const res = await sys.scim('PATCH', `/Groups/${ids[group]}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'add', path: 'members', value: [{ value: ids[name] }] }],
    });
    assert.ok(res.status === 200 || res.status === 204, res.text);
  };

  before(async () => {
    sys = await startTestSystem({ clock });
    await createUser('fay');
    const group = await sys.scim('POST', '/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'Finance',
      members: [{ value: ids.fay }],
    });
    assert.equal(group.status, 201, group.text);
    ids.Finance = group.body.id;
    await signUp(sys.store, ids.fay!);
    await sys.system.watcher.runNow();
    assert.equal(await stateOf('fay'), 'active');
    // Fay administers the account (and holds Finance's key as its member).
    const fay = (await sys.store.getMember(ids.fay!))!;
    assert.ok(await sys.store.updateMember({ ...fay, role: 'admin', version: fay.version + 1 }, fay.version));
    passwordFile = path.join(sys.dataDir, 'password');
    await writeFile(passwordFile, `${TEST_PASSWORD}\n`);
  });
  after(async () => {
    await sys?.close();
  });

  test('off the managed list and back: the bridge no longer holds the key until an administrator gives it', async () => {
    assert.notEqual(await sealOf('Finance'), null);
    assert.equal((await cli('group', 'managed', 'Finance', 'off')).code, 0);
    assert.equal(await sealOf('Finance'), null, "withdrawn: a copy of the bridge's data does not open it");
    assert.equal((await cli('group', 'managed', 'Finance', 'on')).code, 0);
    assert.equal(await sealOf('Finance'), null);

    // A new member of Finance cannot be confirmed: the bridge cannot pass Finance's key on.
    await createUser('gus');
    await addToGroup('Finance', 'gus');
    await signUp(sys.store, ids.gus!);
    await sys.system.watcher.runNow();
    assert.equal(await stateOf('gus'), 'pending');

    const wrong = path.join(sys.dataDir, 'wrong');
    await writeFile(wrong, 'not it\n');
    const refused = await cli(
      'group',
      'give-key-to-bridge',
      'Finance',
      '--email',
      'fay@example.com',
      '--password-file',
      wrong,
    );
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /password is wrong for fay@example.com/);
    const notAdmin = await cli(
      'group',
      'give-key-to-bridge',
      'Finance',
      '--email',
      'gus@example.com',
      '--password-file',
      passwordFile,
    );
    assert.equal(notAdmin.code, 1);
    assert.match(notAdmin.stderr, /not an active administrator/);
    assert.equal(await sealOf('Finance'), null);

    const given = await cli(
      'group',
      'give-key-to-bridge',
      'Finance',
      '--email',
      'fay@example.com',
      '--password-file',
      passwordFile,
    );
    assert.equal(given.code, 0, given.stderr);
    assert.match(given.stdout, /The bridge holds the key of "Finance" again/);
    assert.ok(!given.stdout.includes(TEST_PASSWORD) && !given.stderr.includes(TEST_PASSWORD));
    clock.advance(60 * 60_000);
    await sys.system.watcher.runNow();
    assert.equal(await stateOf('gus'), 'active');
    const gusShares = await sys.store.listGroupKeySharesOfMember(ids.gus!);
    assert.ok(gusShares.some((share) => share.groupId === ids.Finance));
  });

  test('after a re-created integration the bridge re-seals the set-aside groups once they are transferred (P20)', async () => {
    const before = await sealOf('Finance');
    sys.token = await sys.regenerate({ newIntegration: true });
    // The new token reaches the bridge: it opens the new session file and moves to the new key.
    assert.equal((await sys.scim('GET', '/Users?count=1')).status, 200);
    await sys.system.watcher.runNow();
    assert.equal(await sealOf('Finance'), before, 'set aside: the account takes no new seal for it');
    await transferManagedGroups(
      { store: sys.store, clock: systemClock, ids: randomIds },
      { memberId: null, name: 'test' },
    );
    await sys.system.watcher.runNow();
    assert.notEqual(
      await sealOf('Finance'),
      before,
      `re-sealed with the key kept in memory\n${sys.logLines
        .filter((l) => /watcher|group key|seal/i.test(l))
        .slice(-12)
        .join('\n')}`,
    );
    // The key opens for the new credentials: a new member of Finance gets it.
    await createUser('hal');
    await addToGroup('Finance', 'hal');
    await signUp(sys.store, ids.hal!);
    await sys.system.watcher.runNow();
    assert.equal(await stateOf('hal'), 'active');
  });
});
