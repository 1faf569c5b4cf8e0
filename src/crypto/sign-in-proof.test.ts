import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createMemberKeys } from './member-keys.ts';
import {
  deriveSignInProof,
  isProofShaped,
  isValidProofParameters,
  newProofParameters,
  passwordProblem,
} from './sign-in-proof.ts';

const FAST = 1000;

describe('sign-in proof', () => {
  test('the same password and parameters give the same 32-byte proof; anything else differs', async () => {
    const parameters = newProofParameters(FAST);
    const proof = await deriveSignInProof('correct horse battery staple', parameters);
    assert.ok(isProofShaped(proof));
    assert.equal(await deriveSignInProof('correct horse battery staple', parameters), proof);
    assert.notEqual(await deriveSignInProof('correct horse battery stapl', parameters), proof);
    assert.notEqual(await deriveSignInProof('correct horse battery staple', newProofParameters(FAST)), proof);
    assert.notEqual(
      await deriveSignInProof('correct horse battery staple', { ...parameters, iterations: FAST + 1 }),
      proof,
    );
  });

  test('composed and decomposed spellings of a password are the same password', async () => {
    const parameters = newProofParameters(FAST);
    assert.equal(
      await deriveSignInProof('caf\u00e9 au lait, bitte', parameters),
      await deriveSignInProof('cafe\u0301 au lait, bitte', parameters),
    );
  });

  test('the proof is not part of the sealed key: it does not appear in it', async () => {
    const password = 'one password for both uses';
    const parameters = newProofParameters(FAST);
    const proof = await deriveSignInProof(password, parameters);
    const { material } = await createMemberKeys(password, { iterations: FAST });
    assert.ok(!material.encryptedPrivateKey.includes(proof));
  });

  test('malformed parameters are refused before any work', async () => {
    for (const bad of [
      { salt: 'short', iterations: FAST },
      { salt: 'A'.repeat(22), iterations: 999 },
      { salt: 'A'.repeat(22), iterations: 1.5 },
      { salt: 'A'.repeat(22), iterations: 20_000_000 },
      { salt: 7, iterations: FAST },
    ]) {
      assert.equal(isValidProofParameters(bad), false, JSON.stringify(bad));
      await assert.rejects(deriveSignInProof('whatever password', bad as never), /malformed/);
    }
  });

  test('password rules name each problem', () => {
    assert.match(passwordProblem('')!, /Choose a password/);
    assert.match(passwordProblem('elevenchars')!, /too short.*12.*11/);
    assert.match(passwordProblem('x'.repeat(1025))!, /too long/);
    assert.match(passwordProblem(' '.repeat(12))!, /only spaces/);
    assert.match(passwordProblem('twelve chars', 'twelve chars!')!, /not the same/);
    assert.equal(passwordProblem('twelve chars', 'twelve chars'), undefined);
    // Characters as people count them, not UTF-16 units.
    assert.match(passwordProblem('🔑'.repeat(11))!, /too short/);
    assert.equal(passwordProblem('🔑'.repeat(12)), undefined);
  });
});
