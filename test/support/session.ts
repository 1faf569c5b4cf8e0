/** Opens a session file the way the bridge would, with the token that setupProvisioning printed. */
import assert from 'node:assert/strict';
import {
  openSession,
  type SessionFile,
  type SessionSecrets,
} from '../../src/crypto/credentials/session-file.ts';
import { parseToken } from '../../src/crypto/credentials/token.ts';

export async function openSetupSession(setup: {
  token: string;
  sessionFile: SessionFile;
}): Promise<SessionSecrets> {
  const parsed = parseToken(setup.token);
  assert.ok(parsed.ok);
  const secrets = await openSession(setup.sessionFile, parsed.token.bytes);
  assert.ok(secrets);
  return secrets;
}
