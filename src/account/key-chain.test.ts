import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import {
  errorCode,
  type Fixture,
  memberInput,
  openFixture,
  pendingMember,
} from '../../test/support/account-fixture.ts';
import {
  createGroupKeyPair,
  createVaultKey,
  PROVISIONING_RECIPIENT,
  sealGroupPrivateKey,
} from '../crypto/key-chain.ts';
import { generateExportedKeyPair } from '../crypto/keys.ts';
import { confirmMember, listPendingConfirmations } from './confirm-member.ts';
import { createGroup } from './create-group.ts';
import { createMember } from './create-member.ts';
import { addGroupKeys, getGroupKeys } from './group-keys.ts';
import { addKeyShares, findMissingKeyShares } from './key-shares.ts';
import { createVault, grantVault, listVaultsWithGroups } from './vaults.ts';

const SETTINGS = { accountUrl: 'https://team.example.com' };

describe('key chain use cases', () => {
  let fx: Fixture;
  let provisioning: { publicKey: string; privateKey: string };

  beforeEach(async () => {
    fx = await openFixture();
    provisioning = await generateExportedKeyPair('X25519');
  });
  afterEach(async () => {
    await fx.close();
  });

  async function keyFor(groupId: string) {
    const pair = await createGroupKeyPair();
    return {
      groupId,
      publicKey: pair.publicKey,
      sealedForProvisioning: await sealGroupPrivateKey(groupId, pair.privateKey, {
        id: PROVISIONING_RECIPIENT,
        publicKey: provisioning.publicKey,
      }),
    };
  }

  test('group keys: Team Members and managed groups only; the first key stored wins', async () => {
    const group = await createGroup(fx.deps, { displayName: 'Eng', externalId: null }, []);
    const first = await keyFor(group.id);
    const [stored] = await addGroupKeys(fx.deps, [first]);
    assert.equal(stored?.publicKey, first.publicKey);
    const [again] = await addGroupKeys(fx.deps, [await keyFor(group.id)]);
    assert.equal(again?.publicKey, first.publicKey);
    assert.equal((await addGroupKeys(fx.deps, [await keyFor(fx.teamMembers.id)])).length, 1);
    const owners = (await fx.deps.store.findGroupByKind('owners'))!;
    assert.equal(
      await errorCode(async () => addGroupKeys(fx.deps, [await keyFor(owners.id)])),
      'group_protected',
    );
    assert.equal(
      await errorCode(async () => addGroupKeys(fx.deps, [await keyFor('ghost')])),
      'group_not_found',
    );
    assert.equal((await getGroupKeys(fx.deps, [group.id, owners.id])).length, 1);
  });

  const badKeys: Array<[string, Record<string, unknown>]> = [
    ['a public key that is not base64url', { publicKey: '!!!' }],
    ['a public key of the wrong length', { publicKey: 'AAAA' }],
    ['a sealed value of another format', { sealedForProvisioning: 'sbk1.1000.a.b.c' }],
    ['an oversized sealed value', { sealedForProvisioning: `sbs1.${'A'.repeat(2000)}.A.A` }],
    ['a missing group id', { groupId: '' }],
  ];
  for (const [name, change] of badKeys) {
    test(`addGroupKeys refuses ${name} and stores nothing`, async () => {
      const group = await createGroup(fx.deps, { displayName: 'Eng', externalId: null }, []);
      const key = { ...(await keyFor(group.id)), ...change };
      assert.equal(await errorCode(() => addGroupKeys(fx.deps, [key as never])), 'invalid_input');
      assert.deepEqual(await getGroupKeys(fx.deps, [group.id]), []);
    });
  }

  test('batches above 1,000 items are refused', async () => {
    assert.equal(await errorCode(() => getGroupKeys(fx.deps, new Array(1001).fill('x'))), 'invalid_input');
    assert.equal(await errorCode(() => findMissingKeyShares(fx.deps, { limit: 5000 })), 'invalid_input');
  });

  test('pending confirmations list Team Members for everyone, plus managed groups only', async () => {
    const member = await pendingMember(fx, 'grace@acme.test');
    const eng = await createGroup(fx.deps, { displayName: 'Eng', externalId: null }, [member.id]);
    const admins = (await fx.deps.store.findGroupByKind('administrators'))!;
    await fx.deps.store.addGroupMembers(admins.id, [member.id]);
    const [pending] = await listPendingConfirmations(fx.deps, { limit: 10 });
    assert.equal(pending?.memberId, member.id);
    assert.deepEqual(
      pending?.groups.map((group) => group.groupId).sort(),
      [eng.id, fx.teamMembers.id].sort(),
    );
  });

  test('confirm: a share for every group, or nothing changes', async () => {
    const member = await pendingMember(fx, 'grace@acme.test');
    const eng = await createGroup(fx.deps, { displayName: 'Eng', externalId: null }, [member.id]);
    await addGroupKeys(fx.deps, [await keyFor(eng.id), await keyFor(fx.teamMembers.id)]);
    const share = { groupId: eng.id, sealedPrivateKey: (await keyFor(eng.id)).sealedForProvisioning };

    // Team Members' share is missing: the groups changed since the batch was read.
    const partial = await confirmMember(
      fx.deps,
      { memberId: member.id, expectedVersion: member.version, shares: [share] },
      SETTINGS,
    );
    assert.equal(partial.outcome, 'changed');
    assert.equal((await fx.deps.store.getMember(member.id))?.state, 'pending');
    assert.deepEqual(await fx.deps.store.listGroupKeySharesOfMember(member.id), []);

    const stale = await confirmMember(
      fx.deps,
      { memberId: member.id, expectedVersion: member.version - 1, shares: [] },
      SETTINGS,
    );
    assert.equal(stale.outcome, 'changed');

    const shares = [share, { groupId: fx.teamMembers.id, sealedPrivateKey: share.sealedPrivateKey }];
    const done = await confirmMember(
      fx.deps,
      { memberId: member.id, expectedVersion: member.version, shares },
      SETTINGS,
    );
    assert.equal(done.outcome, 'confirmed');
    assert.equal((await fx.deps.store.listGroupKeySharesOfMember(member.id)).length, 2);
    const again = await confirmMember(
      fx.deps,
      { memberId: member.id, expectedVersion: member.version, shares },
      SETTINGS,
    );
    assert.equal(again.outcome, 'already_confirmed');
    const mails = (await fx.mail()).filter((mail) => mail.template === 'account_ready');
    assert.equal(mails.length, 1);
    assert.deepEqual(mails[0]?.data, {
      memberId: member.id,
      accountName: 'Acme',
      displayName: 'Grace Hopper',
      link: 'https://team.example.com',
    });
    assert.ok((await fx.actions()).includes('member.confirmed'));
  });

  test('confirm refuses a member who is not pending, and malformed shares', async () => {
    const member = await createMember(fx.deps, memberInput());
    const outcome = await confirmMember(
      fx.deps,
      { memberId: member.id, expectedVersion: member.version, shares: [] },
      SETTINGS,
    );
    assert.equal(outcome.outcome, 'not_pending');
    assert.equal(
      (await confirmMember(fx.deps, { memberId: 'ghost', expectedVersion: 1, shares: [] }, SETTINGS)).outcome,
      'not_pending',
    );
    assert.equal(
      await errorCode(() =>
        confirmMember(
          fx.deps,
          { memberId: member.id, expectedVersion: 1, shares: [{ groupId: 'g', sealedPrivateKey: 'plain' }] },
          SETTINGS,
        ),
      ),
      'invalid_input',
    );
  });

  test('guests are never confirmed by provisioning (P16)', async () => {
    const member = await pendingMember(fx, 'guest@acme.test');
    const guest = { ...member, role: 'guest' as const, version: member.version + 1 };
    await fx.deps.store.updateMember(guest, member.version);
    const [listed] = await listPendingConfirmations(fx.deps, { limit: 10 });
    assert.equal(listed?.role, 'guest');
    assert.equal(
      await errorCode(() =>
        confirmMember(fx.deps, { memberId: guest.id, expectedVersion: guest.version, shares: [] }, SETTINGS),
      ),
      'member_protected',
    );
    assert.equal((await fx.deps.store.getMember(guest.id))?.state, 'pending');
  });

  test('shares go only to active members still in the group', async () => {
    const active = await createMember(fx.deps, memberInput({ email: 'a@acme.test' }));
    await fx.deps.store.updateMember(
      { ...active, state: 'active', version: active.version + 1 },
      active.version,
    );
    const invited = await createMember(fx.deps, memberInput({ email: 'b@acme.test' }));
    const eng = await createGroup(fx.deps, { displayName: 'Eng', externalId: null }, [active.id, invited.id]);
    const key = await keyFor(eng.id);
    await addGroupKeys(fx.deps, [key]);
    const added = await addKeyShares(fx.deps, [
      { groupId: eng.id, memberId: active.id, sealedPrivateKey: key.sealedForProvisioning },
      { groupId: eng.id, memberId: invited.id, sealedPrivateKey: key.sealedForProvisioning },
    ]);
    assert.equal(added, 1);
  });

  test('vaults: need a group with a key, a printable unique name; listed with their groups', async () => {
    const eng = await createGroup(fx.deps, { displayName: 'Eng', externalId: null }, []);
    assert.equal(
      await errorCode(() => createVault(fx.deps, { name: 'Code', groups: ['Eng'] })),
      'invalid_input',
    );
    await addGroupKeys(fx.deps, [await keyFor(eng.id)]);
    assert.equal(await errorCode(() => createVault(fx.deps, { name: 'Code', groups: [] })), 'invalid_input');
    assert.equal(
      await errorCode(() => createVault(fx.deps, { name: 'a\u0000b', groups: ['Eng'] })),
      'invalid_input',
    );
    assert.equal(
      await errorCode(() => createVault(fx.deps, { name: 'Code', groups: ['Nope'] })),
      'group_not_found',
    );
    const { vault } = await createVault(fx.deps, { name: 'Code', groups: ['Eng'] });
    assert.equal(
      await errorCode(() => createVault(fx.deps, { name: 'CODE', groups: ['Eng'] })),
      'invalid_input',
    );
    await addGroupKeys(fx.deps, [await keyFor(fx.teamMembers.id)]);
    await grantVault(
      fx.deps,
      { memberId: null, name: 'command line' },
      { vault, group: 'Team Members', vaultKey: createVaultKey() },
    );
    const listed = await listVaultsWithGroups(fx.deps.store);
    assert.deepEqual(
      listed.map((entry) => ({ vault: entry.vault, groups: entry.groups.sort() })),
      [{ vault, groups: ['Eng', 'Team Members'] }],
    );
  });
});
