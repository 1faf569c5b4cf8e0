/**
 * What a person's browser sends to change their password (issue 11), made where they type
 * both passwords: the proof of the current password (as at sign-in), the same private key
 * sealed under the new password, and the new password's proof with fresh parameters. The
 * key pair stays, so every group key sealed for the person still opens with the new password.
 * Neither password leaves this module.
 *
 * Browser-safe: WebCrypto only, like the modules it uses.
 */
import { type MemberKeyMaterial, resealMemberPrivateKey, unlockMemberPrivateKey } from './member-keys.ts';
import { deriveSignInProof, newProofParameters, type SignInProofParameters } from './sign-in-proof.ts';

export interface PasswordChangeSubmission {
  /** The key pair the change is for: the server refuses it if the stored pair is another. */
  publicKey: string;
  currentProof: string;
  encryptedPrivateKey: string;
  proof: string;
  proofSalt: string;
  proofIterations: number;
}

/**
 * Throws `MemberKeyUnlockError` when `currentPassword` does not open `keys` (nothing is
 * derived for the new password then). The new seal is opened once before it is returned: a
 * seal that did not open would lock the person out of their keys for good.
 */
export async function preparePasswordChange(input: {
  keys: MemberKeyMaterial;
  current: SignInProofParameters;
  currentPassword: string;
  newPassword: string;
  /** The deployment's PBKDF2 count for the new seal and proof. */
  iterations: number;
}): Promise<PasswordChangeSubmission> {
  const { keys, currentPassword, newPassword, iterations } = input;
  const resealed = await resealMemberPrivateKey(keys, currentPassword, newPassword, { iterations });
  await unlockMemberPrivateKey(resealed, newPassword);
  const parameters = newProofParameters(iterations);
  return {
    publicKey: keys.publicKey,
    currentProof: await deriveSignInProof(currentPassword, input.current),
    encryptedPrivateKey: resealed.encryptedPrivateKey,
    proof: await deriveSignInProof(newPassword, parameters),
    proofSalt: parameters.salt,
    proofIterations: parameters.iterations,
  };
}
