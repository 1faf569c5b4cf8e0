/** Operator-fixable bridge–account failures, each with one stable log message and advice (P8; docs/troubleshooting.md). */
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';

/** Account API firewall refusal (P4); any error with this shape is recognised. */
export interface FirewallBlockedError {
  code: 'firewall_blocked';
  /** The address the account saw the bridge connect from. */
  address: string;
  /** The rule that matched, as the account names it (e.g. "deny 203.0.113.0/24"). */
  rule: string;
}

export type AccountProblem =
  | { kind: 'provisioning_disabled' }
  | { kind: 'credentials_revoked' }
  /** `address` and `rule` when the error carries them as fields; `cause` is the account's own words. */
  | { kind: 'firewall_blocked'; address?: string; rule?: string; cause: string }
  | { kind: 'account_unreachable'; cause: string }
  | { kind: 'clock_skew'; cause: string }
  | { kind: 'tls'; cause: string }
  | { kind: 'account_missing' };

export type AccountProblemKind = AccountProblem['kind'];

/** The log message of each problem: stable text operators search for (docs/troubleshooting.md). */
export const PROBLEM_MESSAGES: Record<AccountProblemKind, string> = {
  provisioning_disabled: 'provisioning is turned off in the account',
  credentials_revoked: "the bridge's credentials were revoked",
  firewall_blocked: "the account's firewall blocked the bridge",
  account_unreachable: 'the account server is unreachable',
  clock_skew: "the bridge's clock differs too much from the account server's",
  tls: 'TLS problem connecting to the account server',
  account_missing: 'the team account has not been set up',
};

/** What to do about it, in the words the status page shows. */
export function adviceFor(problem: AccountProblem): string {
  switch (problem.kind) {
    case 'provisioning_disabled':
      return 'Turn provisioning on in the account (console, or `scimbridge provisioning setup`), then give this bridge the new session file and the IdP the new token.';
    case 'credentials_revoked':
      return 'The credentials were regenerated or provisioning was deactivated. Put the new session file where this bridge reads it and give the IdP the new bearer token.';
    case 'firewall_blocked':
      return problem.address !== undefined
        ? `The account refused this bridge's address ${problem.address} (rule: ${problem.rule ?? 'unknown'}). Add an allow rule for that address in the account's firewall settings (scimbridge firewall allow <range>), or run the bridge from an allowed network.`
        : `${problem.cause}. Add an allow rule for the bridge's address in the account's firewall settings (scimbridge firewall allow <range>), or run the bridge from an allowed network.`;
    case 'account_unreachable':
      return `Check that the account server is running and that this bridge can reach the account URL in its session file (DNS, routes, proxies). Cause: ${problem.cause}.`;
    case 'clock_skew':
      return `Synchronise this machine's clock (NTP). Cause: ${problem.cause}.`;
    case 'tls':
      return `The account server's certificate was not accepted. Check that it is valid for the account URL and not expired, and that its issuer is trusted here (NODE_EXTRA_CA_CERTS for a private CA). Cause: ${problem.cause}.`;
    case 'account_missing':
      return 'The account server has no team account in its database. Check that it runs against the right database.';
  }
}

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
  'account_unreachable',
]);

const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);

interface ErrorLike {
  code?: unknown;
  name?: unknown;
  message?: unknown;
  cause?: unknown;
  address?: unknown;
  rule?: unknown;
  transportProblem?: unknown;
}

function describe(error: ErrorLike): string {
  const code = typeof error.code === 'string' ? error.code : undefined;
  const message = typeof error.message === 'string' ? error.message : String(error);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}

/** Recognises a problem an operator can fix; undefined for anything else (a bug, bad input). */
export function classifyAccountFailure(error: unknown): AccountProblem | undefined {
  // Walk the cause chain: fetch wraps the socket error in a TypeError('fetch failed').
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth++) {
    const candidate = current as ErrorLike;
    const code = candidate.code;
    if (code === 'provisioning_disabled') return { kind: 'provisioning_disabled' };
    if (code === 'credentials_revoked') return { kind: 'credentials_revoked' };
    if (code === 'account_missing') return { kind: 'account_missing' };
    if (code === 'firewall_blocked') {
      return {
        kind: 'firewall_blocked',
        ...(typeof candidate.address === 'string' ? { address: candidate.address } : {}),
        ...(typeof candidate.rule === 'string' ? { rule: candidate.rule } : {}),
        cause: describe(candidate),
      };
    }
    // Transport failures come as `account_unreachable` with the socket's words; a certificate problem among them is TLS.
    if (code === 'account_unreachable' && typeof candidate.message === 'string') {
      // The network's own words when the client kept them; the message speaks to the IdP.
      const message =
        typeof candidate.transportProblem === 'string' ? candidate.transportProblem : candidate.message;
      if (/\bTLS\b/.test(message) || [...TLS_CODES].some((tls) => message.includes(tls))) {
        return { kind: 'tls', cause: message };
      }
    }
    if (code === 'clock_skew') return { kind: 'clock_skew', cause: describe(candidate) };
    if (typeof code === 'string' && TLS_CODES.has(code)) return { kind: 'tls', cause: describe(candidate) };
    if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) {
      const cause =
        typeof candidate.transportProblem === 'string' ? candidate.transportProblem : describe(candidate);
      return { kind: 'account_unreachable', cause };
    }
    if (candidate.name === 'TimeoutError' || candidate.name === 'AbortError') {
      return { kind: 'account_unreachable', cause: `no answer in time (${describe(candidate)})` };
    }
    current = candidate.cause;
  }
  return undefined;
}

/** Logs a problem when it starts, at most once a minute while it lasts (a busy IdP must not make thousands of lines), and once when it clears. */
export class AccountProblemLog {
  private readonly lastLogged = new Map<AccountProblemKind, number>();
  private current: AccountProblem | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly clock: Clock,
    private readonly repeatMs = 60_000,
  ) {}

  /** The problem seen last, until an answer shows it is gone. */
  get problem(): AccountProblem | undefined {
    return this.current;
  }

  failed(error: unknown): AccountProblem | undefined {
    const problem = classifyAccountFailure(error);
    if (problem === undefined) return undefined;
    this.current = problem;
    const now = this.clock.now().getTime();
    const last = this.lastLogged.get(problem.kind);
    if (last === undefined || now - last >= this.repeatMs) {
      this.lastLogged.set(problem.kind, now);
      const { kind, ...fields } = problem;
      const level = kind === 'provisioning_disabled' ? 'warn' : 'error';
      this.logger[level]({ problem: kind, ...fields, advice: adviceFor(problem) }, PROBLEM_MESSAGES[kind]);
    }
    return problem;
  }

  succeeded(): void {
    if (this.current === undefined) return;
    const previous = this.current.kind;
    this.current = undefined;
    this.lastLogged.clear();
    this.logger.info({ previousProblem: previous }, 'the account answers normally again');
  }
}
