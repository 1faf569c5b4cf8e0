/** What every account use case needs: persistence, time and fresh ids, injected so tests stay deterministic. */
import type { Clock, IdGenerator } from '../clock.ts';
import type { OutboxSeal } from './mail/outbox-seal.ts';
import type { Store } from './store.ts';

export interface AccountDeps {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  /** The account server's public address, for links in e-mail; without it such mail cannot be sent. */
  accountUrl?: string;
  /** A fresh secret for links (≥ 256 bits, base64url); defaults to WebCrypto randomness. */
  secrets?: () => string;
  /** Invitation links and sign-up; defaults (DEFAULT_SIGNUP_SETTINGS) when left out. */
  signup?: SignupSettings;
  /**
   * Seals the links of queued mail under the outbox key, which is not in the database
   * (mail/outbox-seal.ts). Without it, queueing a mail with a link fails: a link never
   * reaches the database in clear.
   */
  outboxSeal?: OutboxSeal;
}

/** How invitations and member sign-up behave (docs/configuration.md). */
export interface SignupSettings {
  /** The account server's public address; invitation links start with it. */
  accountUrl: string;
  /** How long an invitation link works. */
  invitationValidityMs: number;
  /**
   * PBKDF2 iterations that sign-up pages and the CLI use for new members' sealed keys and
   * sign-in proofs. Lowered only in tests.
   */
  passwordIterations: number;
  /** How long a member's sign-in lasts. */
  memberSessionMs: number;
}

export const DEFAULT_SIGNUP_SETTINGS: SignupSettings = {
  accountUrl: 'http://localhost:8080',
  invitationValidityMs: 7 * 24 * 3600 * 1000,
  passwordIterations: 600_000,
  memberSessionMs: 12 * 3600 * 1000,
};

export function signupSettings(deps: AccountDeps): SignupSettings {
  return deps.signup ?? DEFAULT_SIGNUP_SETTINGS;
}

/** The timestamp format of every row: ISO-8601 UTC. */
export function nowIso(deps: AccountDeps): string {
  return deps.clock.now().toISOString();
}
