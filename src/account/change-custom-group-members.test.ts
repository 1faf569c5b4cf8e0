/** An administrator changes the members of a custom group: the key goes with a confirmed person. */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { errorCode, type Fixture, memberWithKeys, openFixture } from '../../test/support/account-fixture.ts';
import { createGroupKeyPair, PROVISIONING_RECIPIENT, sealGroupPrivateKey } from '../crypto/key-chain.ts';
import { generateExportedKeyPair } from '../crypto/keys.ts';
import type { AdminActor } from './admin-rules.ts';
import { addGroupMember, addition, removeGroupMember } from './change-custom-group-members.ts';
import { createCustomGroup } from './create-custom-group.ts';
import { createGroup } from './create-group.ts';
import type { Group, Member } from './model.ts';

for (const db of ['sqlite', 'postgres'] as const) {
  describe(`changing the members of a custom group (${db})`, () => {
    let f: Fixture;
    let actor: AdminActor;
    let crew: Group;
    let grace: Member;
    let share: string;

    beforeEach(async () => {
      f = await openFixture({ db });
      actor = { memberId: f.owner.id, name: f.owner.email };
      crew = await createCustomGroup(f.deps, actor, { displayName: 'Release crew' });
      const withKeys = await memberWithKeys(f, 'active');
      grace = withKeys.member;
      const pair = await createGroupKeyPair();
      share = await sealGroupPrivateKey(crew.id, pair.privateKey, {
        id: grace.id,
        publicKey: withKeys.publicKey,
      });
    });
    afterEach(() => f.close());

    async function keyCrew(): Promise<void> {
      const provisioning = await generateExportedKeyPair('X25519');
      const pair = await createGroupKeyPair();
      await f.deps.store.insertGroupKey({
        groupId: crew.id,
        publicKey: pair.publicKey,
        sealedForProvisioning: await sealGroupPrivateKey(crew.id, pair.privateKey, {
          id: PROVISIONING_RECIPIENT,
          publicKey: provisioning.publicKey,
        }),
        createdAt: '2025-03-01T09:00:00.000Z',
      });
    }

    const members = async (group: Group) =>
      (await f.deps.store.listGroupMembers(group.id, { limit: 10 })).map((m) => m.id);

    test('without a key pair a person is added and removed; the administrator is named', async () => {
      const before = crew.version;
      assert.equal((await addition(f.deps.store, f.owner.id, crew.id, 'GRACE@acme.test')).needsKey, false);
      await addGroupMember(f.deps, actor, { groupId: crew.id, email: 'grace@acme.test' });
      assert.deepEqual(await members(crew), [grace.id]);
      assert.equal((await f.deps.store.getGroup(crew.id))!.version, before + 1);
      const entry = (await f.activity()).at(-1)!;
      assert.deepEqual(
        [entry.action, entry.detail.by, entry.detail.added],
        ['group.members_changed', 'owner@acme.test', 1],
      );
      assert.equal(
        await errorCode(() => addGroupMember(f.deps, actor, { groupId: crew.id, email: 'grace@acme.test' })),
        'invalid_input',
      );
      await removeGroupMember(f.deps, actor, { groupId: crew.id, memberId: grace.id });
      assert.deepEqual(await members(crew), []);
      assert.equal(
        await errorCode(() => removeGroupMember(f.deps, actor, { groupId: crew.id, memberId: grace.id })),
        'invalid_input',
      );
    });

    test('with a key pair the key must go with a confirmed person, in the same transaction', async () => {
      await keyCrew();
      const step = await addition(f.deps.store, f.owner.id, crew.id, 'grace@acme.test');
      assert.deepEqual([step.needsKey, step.held], [true, false]);
      for (const bad of [undefined, 'the key in clear'])
        assert.equal(
          await errorCode(() =>
            addGroupMember(f.deps, actor, { groupId: crew.id, email: 'grace@acme.test', share: bad }),
          ),
          'invalid_input',
        );
      assert.deepEqual(await members(crew), [], 'a refused addition adds nobody');
      await addGroupMember(f.deps, actor, { groupId: crew.id, email: 'grace@acme.test', share });
      assert.deepEqual(
        (await f.deps.store.listGroupKeySharesOfMember(grace.id)).map((s) => s.sealedPrivateKey),
        [share],
      );
      await removeGroupMember(f.deps, actor, { groupId: crew.id, memberId: grace.id });
      assert.deepEqual(
        await f.deps.store.listGroupKeySharesOfMember(grace.id),
        [],
        'the share leaves with the membership',
      );
    });

    test('managed groups, built-in groups and Provision Managers are refused; unknown people too', async () => {
      const managed = await createGroup(f.deps, { displayName: 'Engineering', externalId: null }, []);
      const managers = (await f.deps.store.findGroupByKind('provision_managers'))!;
      const cases: Array<[string, string, RegExp]> = [
        [managed.id, 'grace@acme.test', /The IdP manages Engineering/],
        [f.teamMembers.id, 'grace@acme.test', /built-in group/],
        [managers.id, 'grace@acme.test', /Provision Managers belongs to the provisioning integration/],
        [crew.id, 'nobody@acme.test', /Nobody on this account/],
        [crew.id, 'not an address', /Enter the e-mail address/],
      ];
      for (const [groupId, email, message] of cases)
        await assert.rejects(addGroupMember(f.deps, actor, { groupId, email }), message);
      await assert.rejects(
        removeGroupMember(f.deps, actor, { groupId: managers.id, memberId: grace.id }),
        /Provision Managers/,
      );
      assert.deepEqual(await members(managers), []);
      assert.equal(
        await errorCode(() => addGroupMember(f.deps, actor, { groupId: 'ghost', email: 'grace@acme.test' })),
        'group_not_found',
      );
    });
  });
}
