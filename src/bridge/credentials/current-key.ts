/**
 * Whether a key id is still the integration's current one (P2, P3), for every
 * authenticated bridge route (issue 12): SCIM asks the account on each request (auth.ts);
 * the status page, its sessions, /logs, /health and /metrics ask here, through the same
 * `checkProvisioning`, so a token revoked by regeneration or deactivation opens none of them,
 * even before the new token is first used.
 *
 * When the account cannot be asked (unreachable, a firewall rule, no account yet), these
 * pages are what an operator needs to see why; a token that opens the session file on disk
 * is then let in, unless the account has refused its key id before: a key id, once
 * refused, never becomes current again (new credentials always bring a new one).
 */
import type { AccountClient } from '../../account/client.ts';

export type KeyVerdict =
  | { ok: true; checked: boolean }
  | { ok: false; reason: 'credentials_revoked' | 'provisioning_disabled'; message: string };

const REFUSALS = new Set(['credentials_revoked', 'provisioning_disabled']);
/** Refused key ids remembered; more than a bridge sees in its life. */
const MAX_REFUSED = 256;

export class CurrentKeyCheck {
  private readonly refused = new Map<string, Extract<KeyVerdict, { ok: false }>>();

  constructor(private readonly client: Pick<AccountClient, 'checkProvisioning'>) {}

  async check(keyId: string): Promise<KeyVerdict> {
    try {
      await this.client.checkProvisioning(keyId);
      return { ok: true, checked: true };
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'string' && REFUSALS.has(code)) {
        const verdict = {
          ok: false as const,
          reason: code as 'credentials_revoked' | 'provisioning_disabled',
          message: error instanceof Error ? error.message : code,
        };
        if (this.refused.size >= MAX_REFUSED) this.refused.delete(this.refused.keys().next().value!);
        this.refused.set(keyId, verdict);
        return verdict;
      }
      return this.refused.get(keyId) ?? { ok: true, checked: false };
    }
  }
}
