/** The connection state the status page shows (P6), and mapping API answers to in-process `AccountError` codes so the SCIM error table stays the one mapping; logs state changes only. */
import type { Logger } from 'pino';
import { apiErrorCodeOf, isAccountErrorCode } from '../../account/api/protocol.ts';
import { AccountError, type AccountErrorCode } from '../../account/errors.ts';
import { ScimError, type ScimType } from '../../scim/errors.ts';
import type { TimeSource } from './time.ts';
import type { Reply } from './transport.ts';

export type AccountConnectionState =
  | 'not_signed_in'
  | 'connected'
  | 'unreachable'
  | 'credentials_revoked'
  | 'provisioning_disabled'
  | 'firewall_blocked';

export interface AccountConnectionStatus {
  state: AccountConnectionState;
  /** The account server's base URL in use. */
  accountUrl: string | undefined;
  /** What went wrong, as logged; undefined while connected. */
  problem: string | undefined;
  /** ISO-8601 time of the last state change. */
  since: string;
}

/** The refusals that say what state the connection is in (the rest leave it connected). */
const REFUSAL_STATES: Partial<Record<AccountErrorCode, AccountConnectionState>> = {
  credentials_revoked: 'credentials_revoked',
  provisioning_disabled: 'provisioning_disabled',
  firewall_blocked: 'firewall_blocked',
};

export interface Connection {
  status(): AccountConnectionStatus;
  connected(baseUrl: string): void;
  /** The error an unsuccessful answer means, with what it says about the connection recorded. */
  failure(reply: Reply, baseUrl: string): Error;
  /** The account could not be reached: recorded, and the error to throw. */
  unreachable(baseUrl: string, problem: string): AccountError;
}

export interface ConnectionHooks {
  /** The account refused this bridge's credentials or provisioning: its API session is void. */
  refusedCredentials(): void;
  /** Nothing the account said lately can be trusted to still hold. */
  lostTouch(): void;
}

export function createConnection(logger: Logger, time: TimeSource, hooks: ConnectionHooks): Connection {
  const nowIso = () => new Date(time.wallNow()).toISOString();
  let status: AccountConnectionStatus = {
    state: 'not_signed_in',
    accountUrl: undefined,
    problem: undefined,
    since: nowIso(),
  };

  function setState(state: AccountConnectionState, accountUrl: string | undefined, problem?: string): void {
    if (status.state === state && status.problem === problem) return;
    const previous = status.state;
    status = { state, accountUrl, problem, since: nowIso() };
    const fields = { event: `account.${state}`, accountUrl };
    switch (state) {
      case 'connected':
        if (previous !== 'not_signed_in') logger.info(fields, 'account connection restored');
        else logger.info(fields, 'signed in to the account API');
        break;
      case 'unreachable':
        logger.error({ ...fields, problem }, `account server unreachable: ${problem}`);
        break;
      case 'credentials_revoked':
        logger.error({ ...fields, problem }, `credentials revoked: ${problem}`);
        break;
      case 'firewall_blocked':
        logger.error({ ...fields, problem }, `firewall blocked the bridge: ${problem}`);
        break;
      case 'provisioning_disabled':
        logger.warn({ ...fields, problem }, `provisioning is turned off: ${problem}`);
        break;
      default:
        break;
    }
  }

  function refused(error: AccountError, baseUrl: string): AccountError {
    const state = REFUSAL_STATES[error.code];
    if (state) {
      hooks.refusedCredentials();
      setState(state, baseUrl, error.message);
    } else setState('connected', baseUrl);
    return error;
  }

  function unreachable(baseUrl: string, problem: string): AccountError {
    hooks.lostTouch();
    setState('unreachable', baseUrl, problem);
    return new AccountError(
      'account_unreachable',
      `the bridge cannot reach the account server at ${baseUrl}: ${problem}; the request changed nothing, retry later`,
      { transportProblem: `${problem} (${baseUrl})` },
    );
  }

  function failure(reply: Reply, baseUrl: string): Error {
    const body = reply.body as
      | { code?: unknown; message?: unknown; scimType?: unknown; address?: unknown; rule?: unknown }
      | undefined;
    if (body && isAccountErrorCode(body.code)) {
      const known = new AccountError(body.code, typeof body.message === 'string' ? body.message : body.code, {
        ...(typeof body.address === 'string' ? { address: body.address } : {}),
        ...(typeof body.rule === 'string' ? { rule: body.rule } : {}),
      });
      return refused(known, baseUrl);
    }
    const code = apiErrorCodeOf(body);
    if (code === 'scim_error' && body && reply.status >= 400 && reply.status < 500) {
      setState('connected', baseUrl);
      return new ScimError(
        reply.status,
        typeof body.scimType === 'string' ? (body.scimType as ScimType) : undefined,
        typeof body.message === 'string' ? body.message : 'the request was refused',
      );
    }
    const detail = typeof body?.message === 'string' ? body.message : `HTTP ${reply.status}`;
    if (code === 'sign_in_failed') {
      // The account does not accept this session file's key: the same remedy as revoked credentials.
      return refused(
        new AccountError('credentials_revoked', `the account refused the sign-in: ${detail}`),
        baseUrl,
      );
    }
    if (code === 'rate_limited') {
      // Too many sign-ins from this address (bridges behind one NAT, or a restart loop): retry after Retry-After.
      return unreachable(baseUrl, `the account API refused the sign-in for now: ${detail}`);
    }
    if (code === 'invalid_request') {
      // The account refused the call's shape: a bridge bug, not a connection problem; the IdP gets 500, the log the detail.
      setState('connected', baseUrl);
      return new Error(`the account API refused a call of this bridge as malformed: ${detail}`);
    }
    if (reply.status >= 500) return unreachable(baseUrl, `the account server answered ${detail}`);
    return unreachable(baseUrl, `unexpected answer from the account API: ${detail}`);
  }

  return {
    status: () => status,
    connected: (baseUrl) => setState('connected', baseUrl),
    failure,
    unreachable,
  };
}
