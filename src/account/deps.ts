/** What every account use case needs: persistence, time and fresh ids, injected so tests stay deterministic. */
import type { Clock, IdGenerator } from '../clock.ts';
import type { Store } from './store.ts';

export interface AccountDeps {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
}

/** The timestamp format of every row: ISO-8601 UTC. */
export function nowIso(deps: AccountDeps): string {
  return deps.clock.now().toISOString();
}
