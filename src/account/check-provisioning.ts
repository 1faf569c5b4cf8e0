/**
 * The gate in front of every SCIM request: provisioning must be on (P3) and the bridge's
 * credentials must be the current ones (P2).
 *
 * It runs on every request, so the integration is cached in memory. A change made in this
 * process (`integrationChanged`) takes effect at once; a change made by another process (the
 * CLI regenerating credentials against the same database) takes effect within the cache
 * lifetime, one second by default — the window in which "at once" (P2) is allowed to lag.
 */
import type { AccountDeps } from './deps.ts';
import { AccountError } from './errors.ts';
import type { Integration } from './model.ts';
import type { Store } from './store.ts';

export const INTEGRATION_CACHE_MS = 1000;

export function assertProvisioningAllowed(integration: Integration | undefined, keyId: string): void {
  if (integration === undefined || integration.state === 'inactive') {
    throw new AccountError(
      'provisioning_disabled',
      'provisioning is turned off for this account; turn it on in the console, page Provisioning (/provisioning on the account server), or with `scimbridge provisioning setup`',
    );
  }
  if (integration.keyId !== keyId) {
    throw new AccountError(
      'credentials_revoked',
      'these provisioning credentials were revoked (regenerated or deactivated); ' +
        'give the bridge the new session file and the identity provider the new bearer token',
    );
  }
}

/** Uncached: reads the integration and decides. */
export async function checkProvisioning(deps: AccountDeps, keyId: string): Promise<void> {
  assertProvisioningAllowed(await deps.store.getIntegration(), keyId);
}

export interface ProvisioningGate {
  check(keyId: string): Promise<void>;
  /** True when the cached integration allows `keyId` now; false when `check` must decide (it never throws). */
  known(keyId: string): boolean;
  /** Drops the cached integration so the next check reads it again. */
  forget(): void;
}

/** Gates per store, so that a local change to the integration can reach every cache over it. */
const gatesByStore = new WeakMap<Store, Set<ProvisioningGate>>();

/** Call after changing the integration (setup, regenerate, deactivate) in this process. */
export function integrationChanged(store: Store): void {
  for (const gate of gatesByStore.get(store) ?? []) gate.forget();
}

export function createProvisioningGate(
  deps: AccountDeps,
  cacheMs: number = INTEGRATION_CACHE_MS,
): ProvisioningGate {
  let cached: { integration: Integration | undefined; until: number } | undefined;
  // Concurrent requests after expiry share one read instead of each querying the store.
  let loading: Promise<Integration | undefined> | undefined;
  let generation = 0;

  async function load(): Promise<Integration | undefined> {
    const now = deps.clock.now().getTime();
    if (cached !== undefined && now < cached.until) return cached.integration;
    if (loading === undefined) {
      const started = generation;
      loading = deps.store.getIntegration().then(
        (integration) => {
          // A `forget` while the read was in flight means the result may be stale already.
          if (started === generation) cached = { integration, until: now + cacheMs };
          loading = undefined;
          return integration;
        },
        (error: unknown) => {
          loading = undefined;
          throw error;
        },
      );
    }
    return loading;
  }

  const gate: ProvisioningGate = {
    async check(keyId) {
      assertProvisioningAllowed(await load(), keyId);
    },
    known(keyId) {
      if (cached === undefined || deps.clock.now().getTime() >= cached.until) return false;
      const integration = cached.integration;
      return integration !== undefined && integration.state !== 'inactive' && integration.keyId === keyId;
    },
    forget() {
      generation++;
      cached = undefined;
      loading = undefined;
    },
  };
  let gates = gatesByStore.get(deps.store);
  if (gates === undefined) {
    gates = new Set();
    gatesByStore.set(deps.store, gates);
  }
  gates.add(gate);
  return gate;
}
