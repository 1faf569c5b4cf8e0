/**
 * The bridge holds (by a seal for the provisioning key) only the keys of Team Members and the
 * groups provisioning manages: re-sealing refuses the others, taking a group off the managed
 * list withdraws its seal, the bridge's confirmations share nothing else, and an administrator
 * gives a managed group's key back. On both databases.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import {
  errorCode,
  type Fixture,
  memberInput,
  openFixture,
  pendingMember,
  setMemberState,
} from '../../test/support/account-fixture.ts';
import { createGroupKeyPair, PROVISIONING_RECIPIENT, sealGroupPrivateKey } from '../crypto/key-chain.ts';
import { generateExportedKeyPair } from '../crypto/keys.ts';
import type { AdminActor } from './admin-rules.ts';
import { confirmMember } from './confirm-member.ts';
import { createCustomGroup } from './create-custom-group.ts';
import { createGroup } from './create-group.ts';
import { createMember } from './create-member.ts';
import { giveGroupKeyToBridge, prepareGroupKeyForBridge } from './give-group-key-to-bridge.ts';
import { addGroupKeys, resealGroupKeys } from './group-keys.ts';
import type { Member } from './model.ts';
import { setGroupManaged } from './set-group-managed.ts';
import { setupProvisioning } from './setup-provisioning.ts';
import { transferManagedGroups } from './transfer-managed-groups.ts';

const ADMIN: AdminActor = { memberId: null, name: 'command line (user test)' };
const accountUrl = 'https://team.acme.test';
const SETTINGS = { accountUrl };

for (const db of ['sqlite', 'postgres'] as const) {
  describe(`the bridge's key seals (${db})`, () => {
    let f: Fixture;
    let provisioningKey: string;
    beforeEach(async () => {
      f = await openFixture({ db });
      provisioningKey = (await setupProvisioning(f.deps, { accountUrl })).integration.provisioningPublicKey;
    });
    afterEach(() => f.close());

    /** A key pair for the group, its private key sealed for `forKey`. */
    async function keyFor(groupId: string, forKey = provisioningKey) {
      const pair = await createGroupKeyPair();
      return {
        groupId,
        publicKey: pair.publicKey,
        sealedForProvisioning: await sealGroupPrivateKey(groupId, pair.privateKey, {
          id: PROVISIONING_RECIPIENT,
          publicKey: forKey,
        }),
      };
    }
    const sealOf = async (groupId: string) =>
      (await f.deps.store.getGroupKeys([groupId]))[0]?.sealedForProvisioning;

    test('re-sealing refuses a group set aside by a re-created integration, and takes it once transferred (P20)', async () => {
      const engineering = await createGroup(f.deps, { displayName: 'Engineering', externalId: 'idp-1' }, []);
      const [stored] = await addGroupKeys(f.deps, [await keyFor(engineering.id)]);
      await addGroupKeys(f.deps, [await keyFor(f.teamMembers.id)]);
      const [teamKey] = await f.deps.store.getGroupKeys([f.teamMembers.id]);
      const next = (await setupProvisioning(f.deps, { accountUrl, newIntegration: true })).integration;
      const resealed = {
        groupId: engineering.id,
        publicKey: stored!.publicKey,
        sealedForProvisioning: (await keyFor(engineering.id, next.provisioningPublicKey))
          .sealedForProvisioning,
      };
      const teamResealed = {
        ...teamKey!,
        sealedForProvisioning: (await keyFor(f.teamMembers.id, next.provisioningPublicKey))
          .sealedForProvisioning,
      };
      assert.equal(await resealGroupKeys(f.deps, [resealed, teamResealed]), 1, 'Team Members only');
      assert.equal(await sealOf(engineering.id), stored!.sealedForProvisioning, 'set aside: left as it was');
      assert.equal(await sealOf(f.teamMembers.id), teamResealed.sealedForProvisioning);
      await transferManagedGroups(f.deps, ADMIN);
      assert.equal(await resealGroupKeys(f.deps, [resealed]), 1);
      assert.equal(await sealOf(engineering.id), resealed.sealedForProvisioning);
    });

    test('taking a group off the managed list withdraws its seal for good; re-sealing it is refused', async () => {
      const finance = await createCustomGroup(f.deps, ADMIN, { displayName: 'Finance', managed: true });
      const [stored] = await addGroupKeys(f.deps, [await keyFor(finance.id)]);
      await setGroupManaged(f.deps, ADMIN, 'Finance', false);
      const [key] = await f.deps.store.getGroupKeys([finance.id]);
      assert.equal(key?.publicKey, stored!.publicKey, 'the key pair stays, for its members');
      assert.equal(key?.sealedForProvisioning, null, "a copy of the bridge's data no longer opens it");
      const entry = (await f.activity()).find((e) => e.action === 'group.unmanaged');
      assert.equal(entry?.detail.keyWithdrawnFromBridge, true);
      assert.equal(await resealGroupKeys(f.deps, [await keyFor(finance.id)]), 0);
      await setGroupManaged(f.deps, ADMIN, 'Finance', true);
      assert.equal(await sealOf(finance.id), null, 'put back, it still waits for an administrator');
      assert.equal(
        await resealGroupKeys(f.deps, [
          { ...stored!, sealedForProvisioning: stored!.sealedForProvisioning! },
        ]),
        0,
        'nothing to re-seal: only an administrator gives it back',
      );
    });

    test("confirming: the bridge's shares of groups it may not hold are dropped; an administrator's are kept", async () => {
      const handMade = await createCustomGroup(f.deps, ADMIN, { displayName: 'Finance', managed: true });
      await addGroupKeys(f.deps, [await keyFor(handMade.id), await keyFor(f.teamMembers.id)]);
      await setGroupManaged(f.deps, ADMIN, 'Finance', false);
      const share = (groupId: string) => ({ groupId, sealedPrivateKey: 'sbs1.AAAA.BBBB.CCCC' });
      const byBridge = await pendingMember(f, 'grace@acme.test');
      const byHand = await pendingMember(f, 'ada@acme.test');
      for (const member of [byBridge, byHand]) await f.deps.store.addGroupMembers(handMade.id, [member.id]);
      const shares = [share(f.teamMembers.id), share(handMade.id)];
      const confirmed = await confirmMember(
        f.deps,
        { memberId: byBridge.id, expectedVersion: byBridge.version, shares },
        SETTINGS,
      );
      assert.equal(confirmed.outcome, 'confirmed');
      const heldBy = async (member: Member) =>
        (await f.deps.store.listGroupKeySharesOfMember(member.id)).map((s) => s.groupId).sort();
      assert.deepEqual(await heldBy(byBridge), [f.teamMembers.id]);
      const admin = { memberId: f.owner.id, name: f.owner.email };
      await confirmMember(
        f.deps,
        { memberId: byHand.id, expectedVersion: byHand.version, shares },
        SETTINGS,
        admin,
      );
      assert.deepEqual(await heldBy(byHand), [f.teamMembers.id, handMade.id].sort());
    });

    test('an administrator who holds a managed group key gives it to the bridge again', async () => {
      const finance = await createCustomGroup(f.deps, ADMIN, { displayName: 'Finance', managed: true });
      const [stored] = await addGroupKeys(f.deps, [await keyFor(finance.id)]);
      await setGroupManaged(f.deps, ADMIN, finance.id, false);
      await setGroupManaged(f.deps, ADMIN, finance.id, true);
      const ownerKeys = await generateExportedKeyPair('X25519');
      await f.deps.store.saveMemberKeys({
        memberId: f.owner.id,
        publicKey: ownerKeys.publicKey,
        encryptedPrivateKey: 'sealed-elsewhere',
        createdAt: f.owner.createdAt,
      });
      await setMemberState(f, f.owner.id, { state: 'active' });
      const request = { group: 'Finance', administrator: f.owner.email };
      assert.equal(
        await errorCode(() => prepareGroupKeyForBridge(f.deps, request)),
        'invalid_input',
        'the owner holds no share of Finance yet',
      );
      await f.deps.store.addGroupMembers(finance.id, [f.owner.id]);
      await f.deps.store.addGroupKeyShares([
        {
          groupId: finance.id,
          memberId: f.owner.id,
          sealedPrivateKey: 'sbs1.AAAA.BBBB.CCCC',
          createdAt: f.owner.createdAt,
        },
      ]);
      const plain = await createMember(f.deps, memberInput({ email: 'plain@acme.test' }));
      assert.equal(
        await errorCode(() => prepareGroupKeyForBridge(f.deps, { ...request, administrator: plain.email })),
        'invalid_input',
      );
      // Appointed to Administrators (what opens the console), with a share: an administrator too.
      const administrators = (await f.deps.store.findGroupByKind('administrators'))!;
      await f.deps.store.addGroupMembers(administrators.id, [plain.id]);
      await setMemberState(f, plain.id, { state: 'active' });
      await f.deps.store.saveMemberKeys({
        memberId: plain.id,
        publicKey: (await generateExportedKeyPair('X25519')).publicKey,
        encryptedPrivateKey: 'sealed-elsewhere',
        createdAt: plain.createdAt,
      });
      await f.deps.store.addGroupMembers(finance.id, [plain.id]);
      await f.deps.store.addGroupKeyShares([
        {
          groupId: finance.id,
          memberId: plain.id,
          sealedPrivateKey: 'sbs1.DDDD.EEEE.FFFF',
          createdAt: plain.createdAt,
        },
      ]);
      assert.equal(plain.role, 'member');
      const appointed = await prepareGroupKeyForBridge(f.deps, { ...request, administrator: plain.email });
      assert.equal(appointed.sealedShare, 'sbs1.DDDD.EEEE.FFFF');
      const handover = await prepareGroupKeyForBridge(f.deps, request);
      assert.equal(handover.groupPublicKey, stored!.publicKey);
      assert.equal(handover.provisioningPublicKey, provisioningKey);
      assert.equal(handover.sealedShare, 'sbs1.AAAA.BBBB.CCCC');
      const sealed = (await keyFor(finance.id)).sealedForProvisioning;
      const give = {
        groupId: finance.id,
        groupPublicKey: stored!.publicKey,
        provisioningPublicKey: provisioningKey,
      };
      const stale = (await generateExportedKeyPair('X25519')).publicKey;
      assert.equal(
        await errorCode(() =>
          giveGroupKeyToBridge(f.deps, ADMIN, {
            ...give,
            provisioningPublicKey: stale,
            sealedForProvisioning: sealed,
          }),
        ),
        'invalid_input',
        'sealed for other credentials',
      );
      assert.equal(await sealOf(finance.id), null);
      await giveGroupKeyToBridge(f.deps, ADMIN, { ...give, sealedForProvisioning: sealed });
      assert.equal(await sealOf(finance.id), sealed);
      assert.ok((await f.actions()).includes('group_keys.given_to_bridge'));

      await setGroupManaged(f.deps, ADMIN, finance.id, false);
      assert.equal(
        await errorCode(() =>
          giveGroupKeyToBridge(f.deps, ADMIN, { ...give, sealedForProvisioning: sealed }),
        ),
        'group_protected',
        'not managed: the bridge may not hold it',
      );
      assert.equal(await errorCode(() => prepareGroupKeyForBridge(f.deps, request)), 'group_protected');
      assert.equal(
        await errorCode(() => prepareGroupKeyForBridge(f.deps, { ...request, group: 'Owners' })),
        'group_protected',
      );
      assert.equal(await sealOf(finance.id), null);
    });
  });
}
