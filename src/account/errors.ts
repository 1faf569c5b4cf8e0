/**
 * Errors of the account domain. Use cases throw these; each edge (the bridge's SCIM routes,
 * the account API, the console, the CLI) renders them in one place. `code` is stable: it
 * crosses the account API and operators' scripts may match on it.
 */
export type AccountErrorCode =
  | 'member_not_found'
  | 'group_not_found'
  | 'user_name_taken'
  | 'email_taken'
  | 'group_name_taken'
  /** An owner or guest: provisioning may not manage them (P16). */
  | 'member_protected'
  /** A built-in group: cannot be deleted, renamed or (Provision Managers) gain people (P19). */
  | 'group_protected'
  /** A custom group exists under that name but an administrator has not made it managed (P17). */
  | 'group_not_managed'
  | 'domain_not_allowed'
  | 'invalid_input'
  | 'version_mismatch'
  /** (P18) The change would leave a vault with no group that manages it. */
  | 'last_vault_manager'
  | 'provisioning_disabled'
  | 'credentials_revoked'
  | 'account_missing'
  /** The account's firewall refused the bridge's address (P4); the message names the address and the rule. */
  | 'firewall_blocked'
  /** The bridge could not reach the account server (network, timeout, server down): retry later (P22). */
  | 'account_unreachable'
  /** The account's database cannot take writes now (disk full, read-only, server down): retry later. */
  | 'storage_unavailable';

/** Facts an operator acts on, kept as fields so that no one has to parse them out of the message. */
export interface AccountErrorFacts {
  /** `firewall_blocked`: the address the account saw, and the rule that refused it. */
  address?: string;
  rule?: string;
  /** `account_unreachable`: what the network said (e.g. "connect ECONNREFUSED 10.0.0.5:8080"). */
  transportProblem?: string;
}

export class AccountError extends Error {
  readonly code: AccountErrorCode;
  readonly address?: string;
  readonly rule?: string;
  readonly transportProblem?: string;
  constructor(code: AccountErrorCode, message: string, facts: AccountErrorFacts = {}) {
    super(message);
    this.name = 'AccountError';
    this.code = code;
    if (facts.address !== undefined) this.address = facts.address;
    if (facts.rule !== undefined) this.rule = facts.rule;
    if (facts.transportProblem !== undefined) this.transportProblem = facts.transportProblem;
  }
}
