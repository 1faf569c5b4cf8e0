/**
 * Turns provisioning on, or regenerates its credentials (P1, P2). A new key id and new key
 * pairs replace the old ones in one transaction, so the old token and session file stop
 * working at once: the bridge checks the key id on every request
 * (`AccountClient.checkProvisioning`) and the account API only trusts the new signing key.
 *
 * The token and session file are returned to be shown or written once; the account keeps
 * only the public keys.
 *
 * Regenerating keeps the integration (same id), so the IdP that gets the new token keeps its
 * managed groups. `newIntegration` re-creates it for a new or upgraded IdP app (P20): a new
 * id, and the old integration's managed groups are released in the same transaction — no
 * longer managed, marked as the old integration's — until an administrator transfers them
 * (`transfer-managed-groups.ts`). The new IdP's groups start from nothing until then, since
 * its same-named groups may be other people's (the P17 rule for groups made by hand).
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
  /** Set when `newIntegration` replaced an integration (P20): the one whose managed groups now wait for a transfer. */
  previousIntegrationId: string | null;
}

export async function setupProvisioning(
  deps: AccountDeps,
  opts: { accountUrl: string; actor?: ActivityActor; newIntegration?: boolean },
): Promise<ProvisioningSetupResult> {
  const accountUrl = normaliseAccountUrl(opts.accountUrl);
  const existing = await deps.store.getIntegration();
  const now = nowIso(deps);
  const recreating = existing !== undefined && opts.newIntegration === true;
  const integrationId = existing !== undefined && !recreating ? existing.id : deps.ids();
  const keyId = deps.ids();
  // Key generation is slow next to a write; do it before the transaction opens.
  const credentials = await createCredentials({ accountUrl, integrationId, keyId, now: new Date(now) });
  const integration: Integration = {
    id: integrationId,
    state: 'active',
    keyId,
    signingPublicKey: credentials.signingPublicKey,
    provisioningPublicKey: credentials.provisioningPublicKey,
    createdAt: existing !== undefined && !recreating ? existing.createdAt : now,
    updatedAt: now,
  };
  await deps.store.transaction(async (tx) => {
    await tx.saveIntegration(integration);
    if (recreating) {
      const releasedGroups = await tx.releaseManagedGroups(existing.id, now);
      await tx.appendActivity({
        id: deps.ids(),
        at: now,
        actor: opts.actor ?? 'admin',
        action: 'integration.recreated',
        targetType: 'integration',
        targetId: integrationId,
        detail: { previousIntegrationId: existing.id, releasedGroups },
      });
    }
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
  return {
    token: credentials.token,
    sessionFile: credentials.sessionFile,
    integration,
    previousIntegrationId: recreating ? existing.id : null,
  };
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
