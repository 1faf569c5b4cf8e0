/** What every account use case needs: persistence, time and fresh ids, injected so tests stay deterministic. */
import type { Clock, IdGenerator } from '../clock.ts';
import type { Store } from './store.ts';

export interface AccountDeps {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  /** The account server's public address, for links in e-mail; without it such mail cannot be sent. */
  accountUrl?: string;
  /** A fresh secret for links (≥ 256 bits, base64url); defaults to WebCrypto randomness. */
  secrets?: () => string;
}

/** The timestamp format of every row: ISO-8601 UTC. */
export function nowIso(deps: AccountDeps): string {
  return deps.clock.now().toISOString();
}
