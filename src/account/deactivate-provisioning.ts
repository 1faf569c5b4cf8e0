/**
 * Turns provisioning off (P2, P3). Every IdP request is then refused as
 * `provisioning_disabled` and the bridge's API sessions end. The stored public keys stay
 * as they were but are dead: only `setupProvisioning` turns provisioning on again, and it
 * always makes new credentials, so the old token and session file never work again.
 */
import { integrationChanged } from './check-provisioning.ts';
import { type AccountDeps, nowIso } from './deps.ts';
import type { ActivityActor, Integration } from './model.ts';

/** Returns the integration as it now is; undefined when provisioning was never set up. Idempotent. */
export async function deactivateProvisioning(
  deps: AccountDeps,
  opts: { actor?: ActivityActor } = {},
): Promise<Integration | undefined> {
  const result = await deps.store.transaction(async (tx) => {
    const existing = await tx.getIntegration();
    if (!existing || existing.state === 'inactive') return existing;
    const now = nowIso(deps);
    const integration: Integration = { ...existing, state: 'inactive', updatedAt: now };
    await tx.saveIntegration(integration);
    // Every open account-API session of the bridge ends with it (P2).
    await tx.deleteApiSessions();
    await tx.appendActivity({
      id: deps.ids(),
      at: now,
      actor: opts.actor ?? 'admin',
      action: 'integration.deactivated',
      targetType: 'integration',
      targetId: existing.id,
      detail: { keyId: existing.keyId },
    });
    return integration;
  });
  integrationChanged(deps.store);
  return result;
}
