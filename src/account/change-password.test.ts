/** A signed-in person changes their password: the proofs, the re-sealed key, the sessions it ends. */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import {
  type Fixture,
  grantGroupVault,
  openFixture,
  setMemberState,
} from '../../test/support/account-fixture.ts';
import {
  createGroupKeyPair,
  createVaultKey,
  sealGroupPrivateKey,
  sealVaultKey,
} from '../crypto/key-chain.ts';
import { createMemberKeys, MemberKeyUnlockError, unlockMemberPrivateKey } from '../crypto/member-keys.ts';
import { openVaults } from '../crypto/open-vaults.ts';
import { preparePasswordChange } from '../crypto/password-change.ts';
import { deriveSignInProof, newProofParameters } from '../crypto/sign-in-proof.ts';
import { changePassword, type PasswordChange, parsePasswordChange } from './change-password.ts';
import { adminOfSession, newConsoleSession } from './console/admin-sign-in.ts';
import { memberOfSession, signIn } from './member-sign-in.ts';
import { hashProof } from './proof-hash.ts';
import { SignupError } from './signup-errors.ts';
import { readMemberKeyRing } from './vaults.ts';

const OLD = 'the old password, long enough';
const NEW = 'a new password, also long';
const SESSIONS = { idleMs: 30 * 60_000, absoluteMs: 12 * 3600_000 };
const ITERATIONS = 1000;

for (const db of ['sqlite', 'postgres'] as const) {
  describe(`changing one's password (${db})`, () => {
    let f: Fixture;
    let publicKey: string;

    const signInWith = async (password: string) => {
      const credential = (await f.deps.store.getMemberCredential(f.owner.id))!;
      const proof = await deriveSignInProof(password, {
        salt: credential.proofSalt,
        iterations: credential.proofIterations,
      });
      return signIn(f.deps, { email: f.owner.email, proof });
    };

    const prepared = async (currentPassword: string): Promise<PasswordChange> => {
      const credential = (await f.deps.store.getMemberCredential(f.owner.id))!;
      return preparePasswordChange({
        keys: (await f.deps.store.getMemberKeys(f.owner.id))!,
        current: { salt: credential.proofSalt, iterations: credential.proofIterations },
        currentPassword,
        newPassword: NEW,
        iterations: ITERATIONS,
      });
    };

    const stored = async () => ({
      keys: await f.deps.store.getMemberKeys(f.owner.id),
      credential: await f.deps.store.getMemberCredential(f.owner.id),
    });

    beforeEach(async () => {
      f = await openFixture({ db });
      // The owner as sign-up leaves them: keys sealed under OLD, its proof, active, holding
      // Team Members' key, whose vault they open.
      const { material } = await createMemberKeys(OLD, { iterations: ITERATIONS });
      publicKey = material.publicKey;
      await f.deps.store.saveMemberKeys({ memberId: f.owner.id, ...material, createdAt: f.owner.createdAt });
      const parameters = newProofParameters(ITERATIONS);
      await f.deps.store.saveMemberCredential({
        memberId: f.owner.id,
        proofSalt: parameters.salt,
        proofIterations: parameters.iterations,
        proofHash: await hashProof(await deriveSignInProof(OLD, parameters)),
        createdAt: f.owner.createdAt,
      });
      await setMemberState(f, f.owner.id, { state: 'active' });
      const group = await createGroupKeyPair();
      const vaultKey = createVaultKey();
      const at = f.owner.createdAt;
      await grantGroupVault(f, {
        groupId: f.teamMembers.id,
        publicKey: group.publicKey,
        vaultId: 'v1',
        vaultName: 'Handbook',
        sealedVaultKey: await sealVaultKey('v1', vaultKey, {
          id: f.teamMembers.id,
          publicKey: group.publicKey,
        }),
        at,
      });
      await f.deps.store.addGroupMembers(f.teamMembers.id, [f.owner.id]);
      await f.deps.store.addGroupKeyShares([
        {
          groupId: f.teamMembers.id,
          memberId: f.owner.id,
          sealedPrivateKey: await sealGroupPrivateKey(f.teamMembers.id, group.privateKey, {
            id: f.owner.id,
            publicKey,
          }),
          createdAt: at,
        },
      ]);
    });
    afterEach(() => f.close());

    test('the new password signs in and opens the same vaults; the old one fails; other sessions end, this one goes on', async () => {
      const memberSession = await signInWith(OLD);
      const console = newConsoleSession(f.deps, SESSIONS, f.owner.id);
      await f.deps.store.insertMemberSession(console.session);
      const replacement = newConsoleSession(f.deps, SESSIONS, f.owner.id);

      const outcome = await changePassword(f.deps, {
        memberId: f.owner.id,
        change: parsePasswordChange(await prepared(OLD)),
        replacement: replacement.session,
        actor: 'admin',
      });

      assert.deepEqual(outcome, { otherSessionsEnded: 1 });
      assert.equal(
        await memberOfSession(f.deps, memberSession.sessionToken),
        undefined,
        'the member page session ended',
      );
      assert.equal(
        await adminOfSession(f.deps, SESSIONS, console.sessionToken),
        undefined,
        'the old console cookie ended',
      );
      assert.equal((await adminOfSession(f.deps, SESSIONS, replacement.sessionToken))?.member.id, f.owner.id);

      assert.ok(await signInWith(NEW));
      await assert.rejects(signInWith(OLD), (e) => e instanceof SignupError && e.code === 'sign_in_failed');
      const ring = (await readMemberKeyRing(f.deps.store, f.owner.id))!;
      assert.equal(ring.keys.publicKey, publicKey, 'the same key pair');
      assert.deepEqual(
        (await openVaults(ring, NEW)).map((vault) => vault.name),
        ['Handbook'],
      );
      await assert.rejects(unlockMemberPrivateKey(ring.keys, OLD), MemberKeyUnlockError);

      const entry = (await f.activity()).at(-1)!;
      assert.deepEqual(
        [entry.action, entry.actor, entry.targetId, entry.detail],
        ['member.password_changed', 'admin', f.owner.id, { by: 'owner@acme.test', otherSessionsEnded: 1 }],
      );
      const credential = (await f.deps.store.getMemberCredential(f.owner.id))!;
      const written = JSON.stringify(entry);
      assert.ok(!written.includes(credential.proofHash) && !written.includes(ring.keys.encryptedPrivateKey));
    });

    test('a wrong current proof changes nothing and ends no session', async () => {
      const session = await signInWith(OLD);
      const before = await stored();
      const change = await prepared(OLD);
      const wrong = {
        ...change,
        currentProof: await deriveSignInProof('not the password', newProofParameters(ITERATIONS)),
      };
      await assert.rejects(
        changePassword(f.deps, {
          memberId: f.owner.id,
          change: wrong,
          replacement: newConsoleSession(f.deps, SESSIONS, f.owner.id).session,
          actor: 'admin',
        }),
        (e) =>
          e instanceof SignupError &&
          e.code === 'sign_in_failed' &&
          /not your current password/.test(e.message),
      );
      assert.deepEqual(await stored(), before);
      assert.ok(await memberOfSession(f.deps, session.sessionToken), 'still signed in');
      assert.ok(await signInWith(OLD));
      assert.ok(!(await f.actions()).includes('member.password_changed'));
    });

    test('the current password does not open the key: refused in the browser before anything is sent', async () => {
      await assert.rejects(prepared('not the password'), MemberKeyUnlockError);
    });

    test('a change made for another key pair, or after another change, is refused and changes nothing', async () => {
      const change = await prepared(OLD);
      const other = await createMemberKeys(OLD, { iterations: ITERATIONS });
      const before = await stored();
      const attempt = (body: PasswordChange) =>
        changePassword(f.deps, {
          memberId: f.owner.id,
          change: body,
          replacement: newConsoleSession(f.deps, SESSIONS, f.owner.id).session,
          actor: 'admin',
        });
      await assert.rejects(attempt({ ...change, publicKey: other.material.publicKey }), /Your keys changed/);
      assert.deepEqual(await stored(), before);
      await attempt(change);
      // The same submission again: its current proof is of the old password, which no longer counts.
      await assert.rejects(attempt(change), (e) => e instanceof SignupError && e.code === 'sign_in_failed');
    });

    test('malformed submissions are refused naming the field, never echoing a value', () => {
      const good = {
        publicKey: 'A'.repeat(43),
        currentProof: 'B'.repeat(43),
        encryptedPrivateKey: `sbk1.1000.${'A'.repeat(22)}.${'A'.repeat(16)}.${'A'.repeat(86)}`,
        proof: 'C'.repeat(43),
        proofSalt: 'D'.repeat(22),
        proofIterations: 1000,
      };
      assert.deepEqual(parsePasswordChange(good), good);
      for (const [field, body] of [
        ['publicKey', { ...good, publicKey: 'short' }],
        ['currentProof', { ...good, currentProof: 42 }],
        ['encryptedPrivateKey', { ...good, encryptedPrivateKey: 'v2.1000.a.b.c' }],
        ['proof', { ...good, proof: undefined }],
        ['proofSalt', { ...good, proofIterations: 5 }],
      ] as const) {
        assert.throws(
          () => parsePasswordChange(body),
          (e) => e instanceof SignupError && e.code === 'invalid_input' && e.message.startsWith(field),
          field,
        );
      }
      assert.throws(() => parsePasswordChange(null), /JSON object/);
    });
  });
}
