/**
 * Turns provisioning on, or regenerates its credentials (P1, P2). A new key id and new key
 * pairs replace the old ones in one transaction, so the old token and session file stop
 * working at once: the bridge checks the key id on every request
 * (`AccountClient.checkProvisioning`) and the account API only trusts the new signing key.
 *
 * The token and session file are returned to be shown or written once; the account keeps
 * only the public keys.
 */
import { createCredentials } from '../crypto/credentials/create-credentials.ts';
import type { SessionFile } from '../crypto/credentials/session-file.ts';
import { integrationChanged } from './check-provisioning.ts';
import { type AccountDeps, nowIso } from './deps.ts';
import { AccountError } from './errors.ts';
import type { ActivityActor, Integration } from './model.ts';

export interface ProvisioningSetupResult {
  /** For the IdP. Never stored. */
  token: string;
  /** For the bridge. */
  sessionFile: SessionFile;
  integration: Integration;
}

export async function setupProvisioning(
  deps: AccountDeps,
  opts: { accountUrl: string; actor?: ActivityActor },
): Promise<ProvisioningSetupResult> {
  const accountUrl = normaliseAccountUrl(opts.accountUrl);
  const existing = await deps.store.getIntegration();
  const now = nowIso(deps);
  const integrationId = existing?.id ?? deps.ids();
  const keyId = deps.ids();
  // Key generation is slow next to a write; do it before the transaction opens.
  const credentials = await createCredentials({ accountUrl, integrationId, keyId, now: new Date(now) });
  const integration: Integration = {
    id: integrationId,
    state: 'active',
    keyId,
    signingPublicKey: credentials.signingPublicKey,
    provisioningPublicKey: credentials.provisioningPublicKey,
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
  };
  await deps.store.transaction(async (tx) => {
    await tx.saveIntegration(integration);
    // The old signing key's account-API sessions end in the same transaction (P2).
    await tx.deleteApiSessions();
    await tx.appendActivity({
      id: deps.ids(),
      at: now,
      actor: opts.actor ?? 'admin',
      action: 'integration.credentials_generated',
      targetType: 'integration',
      targetId: integrationId,
      detail: { keyId, replacedKeyId: existing?.keyId ?? null },
    });
  });
  // The provisioning gates in this process drop their cached integration: the old key id fails now, not in a second.
  integrationChanged(deps.store);
  return { token: credentials.token, sessionFile: credentials.sessionFile, integration };
}

/** The session file names the account the bridge signs in to; it must be an http(s) URL. */
function normaliseAccountUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new AccountError('invalid_input', `the account URL "${text}" is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new AccountError('invalid_input', `the account URL must start with https:// or http://`);
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new AccountError(
      'invalid_input',
      'the account URL must not carry credentials, a query or a fragment',
    );
  }
  return url.href.replace(/\/+$/, '');
}
