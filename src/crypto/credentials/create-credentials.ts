/**
 * Generates a new credential pair (P1): the bearer token for the IdP and the session file
 * for the bridge, plus the public keys the account stores on its Integration row.
 */
import { generateExportedKeyPair } from '../keys.ts';
import { SESSION_FILE_VERSION, type SessionFile, sealSession } from './session-file.ts';
import { generateToken } from './token.ts';

export interface NewCredentials {
  /** Shown once; nothing keeps it. */
  token: string;
  sessionFile: SessionFile;
  /** base64url raw public keys, for the account's Integration row. */
  signingPublicKey: string;
  provisioningPublicKey: string;
}

export async function createCredentials(input: {
  accountUrl: string;
  integrationId: string;
  keyId: string;
  now: Date;
}): Promise<NewCredentials> {
  const [signing, provisioning] = await Promise.all([
    generateExportedKeyPair('Ed25519'),
    generateExportedKeyPair('X25519'),
  ]);
  const token = generateToken();
  const sessionFile = await sealSession(
    {
      version: SESSION_FILE_VERSION,
      accountUrl: input.accountUrl,
      integrationId: input.integrationId,
      keyId: input.keyId,
      createdAt: input.now.toISOString(),
    },
    token.bytes,
    { signingPrivateKey: signing.privateKey, provisioningPrivateKey: provisioning.privateKey },
  );
  return {
    token: token.text,
    sessionFile,
    signingPublicKey: signing.publicKey,
    provisioningPublicKey: provisioning.publicKey,
  };
}
