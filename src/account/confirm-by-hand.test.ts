/** Confirming a pending member by hand: the administrator's shares, the watcher's use case, its refusals. */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { errorCode, type Fixture, memberInput, openFixture } from '../../test/support/account-fixture.ts';
import { sealGroupKeysFor } from '../crypto/admin-keys.ts';
import { createGroupKeyPair, PROVISIONING_RECIPIENT, sealGroupPrivateKey } from '../crypto/key-chain.ts';
import { generateExportedKeyPair } from '../crypto/keys.ts';
import { createMemberKeys } from '../crypto/member-keys.ts';
import type { AdminActor } from './admin-rules.ts';
import {
  confirmByHand,
  groupsToSeal,
  handConfirmationProblem,
  readHandConfirmation,
} from './confirm-by-hand.ts';
import { confirmMember } from './confirm-member.ts';
import { createCustomGroup } from './create-custom-group.ts';
import { createGroup } from './create-group.ts';
import { createMember } from './create-member.ts';
import type { Member } from './model.ts';
import { readMemberKeyRing } from './vaults.ts';

const PASSWORD = 'the owner password';

for (const db of ['sqlite', 'postgres'] as const) {
  describe(`confirming a member by hand (${db})`, () => {
    let f: Fixture;
    let actor: AdminActor;
    let member: Member;
    let memberPublicKey: string;

    /** A group key pair stored as the bridge stores it, shared with the given members. */
    async function groupKey(groupId: string, holders: Array<{ id: string; publicKey: string }>) {
      const provisioning = await generateExportedKeyPair('X25519');
      const pair = await createGroupKeyPair();
      await f.deps.store.insertGroupKey({
        groupId,
        publicKey: pair.publicKey,
        sealedForProvisioning: await sealGroupPrivateKey(groupId, pair.privateKey, {
          id: PROVISIONING_RECIPIENT,
          publicKey: provisioning.publicKey,
        }),
        createdAt: '2025-03-01T09:00:00.000Z',
      });
      const shares = [];
      for (const holder of holders)
        shares.push({
          groupId,
          memberId: holder.id,
          sealedPrivateKey: await sealGroupPrivateKey(groupId, pair.privateKey, holder),
          createdAt: '2025-03-01T09:00:00.000Z',
        });
      await f.deps.store.addGroupKeyShares(shares);
    }

    async function pending(email: string, role: Member['role'] = 'member'): Promise<Member> {
      const created = await createMember(f.deps, memberInput({ email, userName: email }));
      const keys = await generateExportedKeyPair('X25519');
      memberPublicKey = keys.publicKey;
      await f.deps.store.saveMemberKeys({
        memberId: created.id,
        publicKey: keys.publicKey,
        encryptedPrivateKey: 'sealed-elsewhere',
        createdAt: created.createdAt,
      });
      const next = { ...created, state: 'pending' as const, role, version: created.version + 1 };
      await f.deps.store.updateMember(next, created.version);
      return next;
    }

    async function shares(target: Member) {
      const found = await readHandConfirmation(f.deps, f.owner.id, target.id);
      return sealGroupKeysFor(found.ring!, PASSWORD, groupsToSeal(found), {
        id: target.id,
        publicKey: found.publicKey!,
      });
    }

    const readyMails = async (email: string) =>
      (await f.storedMail()).filter((m) => m.template === 'account_ready' && m.to === email).length;

    beforeEach(async () => {
      f = await openFixture({ db });
      actor = { memberId: f.owner.id, name: f.owner.email };
      const ownerKeys = await createMemberKeys(PASSWORD, { iterations: 1000 });
      await f.deps.store.saveMemberKeys({
        memberId: f.owner.id,
        ...ownerKeys.material,
        createdAt: f.owner.createdAt,
      });
      const owner = { ...f.owner, state: 'active' as const, version: f.owner.version + 1 };
      await f.deps.store.updateMember(owner, f.owner.version);
      member = await pending('grace@acme.test');
      await groupKey(f.teamMembers.id, [{ id: f.owner.id, publicKey: ownerKeys.material.publicKey }]);
    });
    afterEach(() => f.close());

    test('the keys the owner holds go to the member: active, one e-mail, the administrator named', async () => {
      const found = await readHandConfirmation(f.deps, f.owner.id, member.id);
      assert.deepEqual(
        found.groups.map((g) => [g.displayName, g.hasKey, g.held, g.required]),
        [['Team Members', true, true, true]],
      );
      assert.equal(handConfirmationProblem(found), undefined);
      assert.equal(
        await confirmByHand(f.deps, actor, member.id, {
          expectedVersion: member.version,
          shares: await shares(member),
        }),
        'confirmed',
      );
      assert.equal((await f.deps.store.getMember(member.id))!.state, 'active');
      assert.equal((await f.deps.store.listGroupKeySharesOfMember(member.id)).length, 1);
      const entry = (await f.activity()).at(-1)!;
      assert.deepEqual(
        [entry.action, entry.actor, entry.detail.by, entry.detail.byHand],
        ['member.confirmed', 'admin', 'owner@acme.test', true],
      );
      assert.equal(await readyMails('grace@acme.test'), 1);
      // Again (a double submit, or the bridge afterwards): nothing more, no second e-mail.
      assert.equal(
        await confirmByHand(f.deps, actor, member.id, { expectedVersion: member.version, shares: [] }),
        'already_confirmed',
      );
      const { outcome } = await confirmMember(
        f.deps,
        { memberId: member.id, expectedVersion: member.version, shares: [] },
        { accountUrl: 'https://team.acme.test' },
      );
      assert.equal(outcome, 'already_confirmed');
      assert.equal(await readyMails('grace@acme.test'), 1);
    });

    test('a group whose key the administrator does not hold is named, and a post without it changes nothing', async () => {
      const eng = await createGroup(f.deps, { displayName: 'Engineering', externalId: null }, [member.id]);
      await groupKey(eng.id, []);
      const found = await readHandConfirmation(f.deps, f.owner.id, member.id);
      assert.match(handConfirmationProblem(found)!, /You do not hold the key of Engineering/);
      const teamOnly = await sealGroupKeysFor(found.ring!, PASSWORD, [found.groups[0]!], {
        id: member.id,
        publicKey: memberPublicKey,
      });
      assert.equal(
        await errorCode(() =>
          confirmByHand(f.deps, actor, member.id, { expectedVersion: member.version, shares: teamOnly }),
        ),
        'version_mismatch',
      );
      assert.equal((await f.deps.store.getMember(member.id))!.state, 'pending');
      assert.equal((await f.deps.store.listGroupKeySharesOfMember(member.id)).length, 0);
      assert.equal(await readyMails('grace@acme.test'), 0);
    });

    test('keys of custom groups off the managed list go along when the administrator holds them, and are not needed otherwise', async () => {
      const owner = (await f.deps.store.getMemberKeys(f.owner.id))!;
      const held = await createCustomGroup(f.deps, actor, { displayName: 'Release crew' });
      const notHeld = await createCustomGroup(f.deps, actor, { displayName: 'Auditors' });
      for (const group of [held, notHeld])
        await f.deps.store.addGroupMembers(group.id, [member.id, f.owner.id]);
      await groupKey(held.id, [{ id: f.owner.id, publicKey: owner.publicKey }]);
      await groupKey(notHeld.id, []);
      const found = await readHandConfirmation(f.deps, f.owner.id, member.id);
      assert.equal(handConfirmationProblem(found), undefined);
      assert.deepEqual(
        groupsToSeal(found).map((g) => g.displayName),
        ['Team Members', 'Release crew'],
      );
      assert.equal(
        await confirmByHand(f.deps, actor, member.id, {
          expectedVersion: member.version,
          shares: await shares(member),
        }),
        'confirmed',
      );
      assert.deepEqual(
        (await f.deps.store.listGroupKeySharesOfMember(member.id)).map((s) => s.displayName).sort(),
        ['Release crew', 'Team Members'],
      );
    });

    test('a group without a key pair, or a member without keys, is explained', async () => {
      const eng = await createGroup(f.deps, { displayName: 'Engineering', externalId: null }, [member.id]);
      assert.ok(eng);
      assert.match(
        handConfirmationProblem(await readHandConfirmation(f.deps, f.owner.id, member.id))!,
        /Engineering has no key pair yet/,
      );
      const keyless = await createMember(
        f.deps,
        memberInput({ email: 'kim@acme.test', userName: 'kim@acme.test' }),
      );
      assert.match(
        handConfirmationProblem(await readHandConfirmation(f.deps, f.owner.id, keyless.id))!,
        /Only a person waiting/,
      );
    });

    test('malformed or stale input is refused and changes nothing', async () => {
      const good = await shares(member);
      const bad: Array<[string, { expectedVersion: unknown; shares: unknown }, string]> = [
        ['no shares list', { expectedVersion: member.version, shares: 'x' }, 'invalid_input'],
        ['no version', { expectedVersion: '2', shares: good }, 'invalid_input'],
        [
          'a share of another shape',
          {
            expectedVersion: member.version,
            shares: [{ groupId: f.teamMembers.id, sealedPrivateKey: 'key' }],
          },
          'invalid_input',
        ],
        ['an old version', { expectedVersion: member.version - 1, shares: good }, 'version_mismatch'],
      ];
      for (const [name, input, code] of bad)
        assert.equal(await errorCode(() => confirmByHand(f.deps, actor, member.id, input)), code, name);
      assert.equal(
        await errorCode(() => confirmByHand(f.deps, actor, 'ghost', { expectedVersion: 1, shares: good })),
        'invalid_input',
      );
      assert.equal((await f.deps.store.getMember(member.id))!.state, 'pending');
      assert.equal(await readyMails('grace@acme.test'), 0);
    });

    test('a guest, whom provisioning may not confirm, is confirmed by an administrator', async () => {
      const guest = await pending('guest@acme.test', 'guest');
      assert.equal(
        await errorCode(() =>
          confirmMember(
            f.deps,
            { memberId: guest.id, expectedVersion: guest.version, shares: [] },
            { accountUrl: 'https://team.acme.test' },
          ),
        ),
        'member_protected',
      );
      assert.equal(
        await confirmByHand(f.deps, actor, guest.id, {
          expectedVersion: guest.version,
          shares: await shares(guest),
        }),
        'confirmed',
      );
      const ring = await readMemberKeyRing(f.deps.store, guest.id);
      assert.equal(ring?.shares.length, 1);
    });
  });
}
