/**
 * The bridge's `AccountClient` over the account server's HTTP API (/api/v1,
 * docs/api/openapi.json), for a bridge that runs apart from the account server.
 *
 * - Signs in by challenge–response with the Ed25519 key of the unlocked session file and
 *   keeps the short-lived API session token in memory only; signs in again before it
 *   expires, when the server says it ended, and when a new session file was unlocked.
 * - Keep-alive connections, a timeout per attempt, and retries with back-off — for reads
 *   always, for writes only when the connection was refused (nothing was sent, so nothing
 *   can be applied twice).
 * - API errors come back as the same `AccountError` codes the in-process client throws, so
 *   the bridge's SCIM error table (`scim/errors.ts`) stays the one place that maps them.
 *   Failing to reach the account is `account_unreachable`: the IdP gets 503 with
 *   Retry-After and retries later; nothing was changed (P22).
 * - Logs one specific line when the connection changes state (unreachable, credentials
 *   revoked, firewall block, restored), never one per failed request.
 */
import http from 'node:http';
import https from 'node:https';
import type { Logger } from 'pino';
import {
  API_PREFIX,
  type ChallengeResponse,
  isAccountErrorCode,
  type SignInResponse,
  signInMessage,
} from '../account/api/protocol.ts';
import {
  type AccountClient,
  type ConfirmOutcome,
  type GroupInput,
  type GroupKeyInfo,
  type MemberInput,
  type MembershipChange,
  type MemberView,
  type MissingKeyShare,
  membersAddedBy,
  type PendingConfirmation,
} from '../account/client.ts';
import { AccountError, type AccountErrorCode } from '../account/errors.ts';
import type { Group, GroupMemberRef } from '../account/model.ts';
import type { GroupListQuery, MemberListQuery, Page } from '../account/store.ts';
import { bytesToBase64Url, utf8ToBytes } from '../crypto/encoding.ts';
import { sign } from '../crypto/keys.ts';
import { ScimError, type ScimType } from '../scim/errors.ts';
import { CHANNEL_NOT_SENT, type ChannelOpening, channelUrl, openAccountChannel } from './account-channel.ts';
import type { UnlockedSession } from './credentials/token-verifier.ts';

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

export interface HttpAccountClient extends AccountClient {
  /** For the status page (P6): the connection as the last request found it. */
  connectionStatus(): AccountConnectionStatus;
  /**
   * Whether the account server answers at all (its `/ping`), for /health while no token has
   * unlocked the keys to sign in with (issue 12). Throws `account_unreachable` when not.
   */
  reach(sessionAccountUrl: string): Promise<void>;
  /** Closes idle keep-alive connections. */
  close(): void;
}

export interface HttpAccountClientOptions {
  /** The session the last good token opened (`TokenVerifier.session`). */
  session: () => UnlockedSession | undefined;
  /** `--account-url`: wins over the URL in the session file. */
  accountUrlOverride?: string | undefined;
  logger: Logger;
  /** Per attempt; default 10 s. */
  timeoutMs?: number;
  /** Extra attempts for retryable failures; default 2. */
  retries?: number;
  /** Back-off before retry n is `backoffMs * 3^(n-1)` plus up to 50 % jitter; default 100 ms. */
  backoffMs?: number;
  /** Warn when the account's clock differs by more than this; default 60 s. */
  clockSkewWarningMs?: number;
  /**
   * While an exchange is on the wire, new calls wait for its answer, at most this long,
   * and then go out together; default 2 ms.
   */
  holdMs?: number;
  /**
   * Send call batches over the account API channel (one WebSocket per API session) instead
   * of one HTTP request each; default true. Where the channel cannot be opened (an older
   * account, a proxy that does not pass WebSocket upgrades) the client uses HTTP anyway.
   */
  channel?: boolean;
}

interface ApiSessionState {
  token: string;
  keyId: string;
  baseUrl: string;
  /** Local monotonic deadline (ms, `performance.now()`): renew before the server's expiry. */
  renewAt: number;
}

interface Reply {
  status: number;
  body: unknown;
}

class TransportError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

/** Errors that mean the request never reached the server: safe to retry any call. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const TLS_TRUST = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_NOT_YET_VALID',
]);
const RETRYABLE_STATUS = new Set([502, 503, 504]);
const CONFIRMATION_MS = 1000;
/** How long an answer that came along with another call may serve the next one. */
const RECENT_ANSWER_MS = 500;
/** The account API takes at most 100 calls in one batch. */
const MAX_BATCH_CALLS = 64;
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
/** After the account refused the channel as unknown, plain HTTP for this long before trying again. */
const CHANNEL_RETRY_MS = 10 * 60_000;
/** After the channel could not be opened for a passing reason (a failing account or proxy). */
const CHANNEL_PAUSE_MS = 30_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The refusals that say what state the connection is in (the rest leave it connected). */
const REFUSAL_STATES: Partial<Record<AccountErrorCode, AccountConnectionState>> = {
  credentials_revoked: 'credentials_revoked',
  provisioning_disabled: 'provisioning_disabled',
  firewall_blocked: 'firewall_blocked',
};

export function createHttpAccountClient(options: HttpAccountClientOptions): HttpAccountClient {
  const { logger } = options;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const retries = options.retries ?? 2;
  const backoffMs = options.backoffMs ?? 100;
  const skewLimitMs = options.clockSkewWarningMs ?? 60_000;
  const holdMs = options.holdMs ?? 2;
  const agents = {
    http: new http.Agent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 16 }),
    https: new https.Agent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 16 }),
  };

  let apiSession: ApiSessionState | undefined;
  /**
   * When the account last accepted a call under the current key (local monotonic ms). The
   * account checks provisioning and the key on every API call, so a call that succeeded
   * within the last second answers `checkProvisioning` without another round trip — the same
   * one-second window the in-process gate caches the integration for.
   */
  let confirmed: { keyId: string; at: number } | undefined;
  let signingIn: Promise<ApiSessionState> | undefined;
  let status: AccountConnectionStatus = {
    state: 'not_signed_in',
    accountUrl: undefined,
    problem: undefined,
    since: new Date().toISOString(),
  };

  function baseUrlOf(session: UnlockedSession): string {
    return (options.accountUrlOverride ?? session.accountUrl).replace(/\/+$/, '');
  }

  function setState(state: AccountConnectionState, accountUrl: string | undefined, problem?: string): void {
    if (status.state === state && status.problem === problem) return;
    const previous = status.state;
    status = { state, accountUrl, problem, since: new Date().toISOString() };
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

  /** The parsed account URL, kept: parsing it again for every call is measurable work. */
  let parsedTarget:
    | { baseUrl: string; secure: boolean; pathPrefix: string; options: { hostname: string; port: string } }
    | undefined;
  function targetOf(baseUrl: string) {
    if (parsedTarget?.baseUrl === baseUrl) return parsedTarget;
    let url: URL;
    try {
      url = new URL(baseUrl);
    } catch {
      return undefined;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    parsedTarget = {
      baseUrl,
      secure: url.protocol === 'https:',
      pathPrefix: url.pathname.replace(/\/+$/, ''),
      // Brackets off an IPv6 literal: `hostname` wants the bare address.
      options: { hostname: url.hostname.replace(/^\[|\]$/g, ''), port: url.port },
    };
    return parsedTarget;
  }

  /**
   * One exchange: a batch over the API channel when it can be used, everything else (and
   * batches where it cannot) as an HTTP request. Rejects with TransportError when no answer
   * arrived.
   */
  async function send(
    baseUrl: string,
    method: string,
    path: string,
    body: unknown,
    token?: string,
  ): Promise<Reply> {
    if (path === '/batch' && token !== undefined && channelUsable(baseUrl)) {
      const reply = await sendOverChannel(baseUrl, token, (body as { calls: unknown[] }).calls);
      if (reply !== undefined) return reply;
    }
    return sendHttp(baseUrl, method, path, body, token);
  }

  const channelEnabled = options.channel ?? true;
  /** The channel of the current API session: opening, open, or refused (then dropped). */
  let channel: { baseUrl: string; token: string; opening: Promise<ChannelOpening> } | undefined;
  let channelOff: { baseUrl: string; until: number } | undefined;

  const channelPaused = (baseUrl: string) =>
    channelOff?.baseUrl === baseUrl && performance.now() < channelOff.until;

  function channelUsable(baseUrl: string | undefined): boolean {
    return channelEnabled && !closed && baseUrl !== undefined && !channelPaused(baseUrl);
  }

  /** A batch over the channel; undefined when it must go as an HTTP request instead. */
  async function sendOverChannel(
    baseUrl: string,
    token: string,
    calls: unknown[],
  ): Promise<Reply | undefined> {
    // A call still under an older session (begun before a renewal, or retried) goes as a
    // request: channels follow the current session only.
    if (apiSession !== undefined && apiSession.token !== token) return undefined;
    if (channel === undefined || channel.token !== token || channel.baseUrl !== baseUrl) {
      // A new API session (renewed, or signed in again): its own channel; the old one
      // closes once its answers are in.
      const previous = channel;
      const opening = openAccountChannel(baseUrl, token, { timeoutMs, maxAnswerBytes: MAX_RESPONSE_BYTES });
      const current = { baseUrl, token, opening };
      channel = current;
      const forget = () => {
        if (channel === current) channel = undefined;
      };
      opening.then((result) => {
        if (result.kind === 'open') void result.channel.closed.then(forget);
        else forget();
      }, forget);
      void previous?.opening.then(
        (result) => result.kind === 'open' && result.channel.retire(),
        () => undefined,
      );
    }
    let opened: ChannelOpening;
    try {
      opened = await channel.opening;
    } catch (error) {
      // Failures a plain request would meet too (the account down, its certificate not
      // trusted) are the account's problem: reported as such, and nothing was sent. Others
      // (a reset while the account restarts) send this batch as a request.
      const code = (error as { code?: string }).code;
      if (code !== undefined && (TLS_TRUST.has(code) || NOT_SENT.has(code))) {
        throw new TransportError((error as Error).message, code);
      }
      opened = { kind: 'unavailable', reason: (error as Error).message };
    }
    switch (opened.kind) {
      case 'refused':
        return opened.reply;
      case 'unavailable':
        turnChannelOff(baseUrl, CHANNEL_PAUSE_MS);
        return undefined;
      case 'unsupported':
        if (turnChannelOff(baseUrl, CHANNEL_RETRY_MS)) {
          logger.warn(
            { event: 'account.channel_unavailable', accountUrl: baseUrl, channelUrl: channelUrl(baseUrl) },
            `account API channel unavailable (${opened.reason}): sending each exchange as its own HTTP request ` +
              'for ten minutes; if a proxy sits in front of the account server, it must pass WebSocket upgrades ' +
              'to /api/v1/channel',
          );
        }
        return undefined;
      default:
        break;
    }
    try {
      return await opened.channel.send(calls);
    } catch (error) {
      // Refused before anything was written (closing, or full): as a request instead.
      if (CHANNEL_NOT_SENT.has((error as { code?: string }).code ?? '')) return undefined;
      throw error;
    }
  }

  /** Plain requests to `baseUrl` for `ms` (or longer, if paused longer already); says whether it was in use. */
  function turnChannelOff(baseUrl: string, ms: number): boolean {
    const wasOn = !channelPaused(baseUrl);
    const until = performance.now() + ms;
    if (wasOn || channelOff!.until < until) channelOff = { baseUrl, until };
    return wasOn;
  }

  /** One HTTP exchange; rejects with TransportError when no HTTP response arrived. */
  function sendHttp(
    baseUrl: string,
    method: string,
    path: string,
    body: unknown,
    token?: string,
    prefix: string = API_PREFIX,
  ): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const target = targetOf(baseUrl);
      if (target === undefined) {
        reject(new TransportError(`the account URL "${baseUrl}" is not an http(s) URL`, 'ERR_INVALID_URL'));
        return;
      }
      const { secure } = target;
      // A string, not a Buffer: Node then sends the headers and the body in one write
      // instead of a two-part writev, which measurably cheapens every loopback call.
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const headers: http.OutgoingHttpHeaders = { accept: 'application/json' };
      if (payload) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = Buffer.byteLength(payload);
      }
      if (token) headers.authorization = `Bearer ${token}`;
      const request = (secure ? https : http).request(
        {
          ...target.options,
          path: `${target.pathPrefix}${prefix}${path}`,
          method,
          headers,
          agent: secure ? agents.https : agents.http,
          timeout: timeoutMs,
        },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_RESPONSE_BYTES) {
              request.destroy(
                new TransportError('the account server sent an oversized response', 'E_TOO_LARGE'),
              );
            } else chunks.push(chunk);
          });
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown;
            try {
              parsed = text === '' ? undefined : JSON.parse(text);
            } catch {
              parsed = undefined;
            }
            resolve({ status: response.statusCode ?? 0, body: parsed });
          });
          response.on('error', (error) => reject(toTransportError(error)));
        },
      );
      request.on('timeout', () =>
        request.destroy(new TransportError(`no answer within ${timeoutMs} ms`, 'ETIMEDOUT')),
      );
      request.on('error', (error) => reject(toTransportError(error)));
      request.end(payload);
    });
  }

  function toTransportError(error: unknown): TransportError {
    if (error instanceof TransportError) return error;
    const code = (error as { code?: string }).code;
    if (code !== undefined && TLS_TRUST.has(code)) {
      return new TransportError(
        `TLS: the account server's certificate is not accepted (${code}); check the certificate, its host name, ` +
          'and give the bridge the issuing CA with NODE_EXTRA_CA_CERTS',
        code,
      );
    }
    return new TransportError(`${(error as Error).message}${code ? ` (${code})` : ''}`, code);
  }

  function accountErrorOf(reply: Reply): AccountError | undefined {
    const body = reply.body as
      | { code?: unknown; message?: unknown; address?: unknown; rule?: unknown }
      | undefined;
    if (body && isAccountErrorCode(body.code)) {
      return new AccountError(body.code, typeof body.message === 'string' ? body.message : body.code, {
        ...(typeof body.address === 'string' ? { address: body.address } : {}),
        ...(typeof body.rule === 'string' ? { rule: body.rule } : {}),
      });
    }
    return undefined;
  }

  /** Records what a refusal says about the connection, then returns the error to throw. */
  function refused(error: AccountError, baseUrl: string): AccountError {
    const state = REFUSAL_STATES[error.code];
    if (state) {
      apiSession = undefined;
      confirmed = undefined;
      setState(state, baseUrl, error.message);
    } else setState('connected', baseUrl);
    return error;
  }

  function unreachable(baseUrl: string, problem: string): AccountError {
    confirmed = undefined;
    setState('unreachable', baseUrl, problem);
    return new AccountError(
      'account_unreachable',
      `the bridge cannot reach the account server at ${baseUrl}: ${problem}; the request changed nothing, retry later`,
      { transportProblem: `${problem} (${baseUrl})` },
    );
  }

  async function signIn(session: UnlockedSession): Promise<ApiSessionState> {
    const baseUrl = baseUrlOf(session);
    const attempt = async (): Promise<ApiSessionState> => {
      const challengeReply = await sendWithRetry(
        baseUrl,
        'POST',
        '/sign-in/challenge',
        { keyId: session.keyId },
        true,
      );
      if (challengeReply.status !== 200) throw failure(challengeReply, baseUrl);
      const challenge = challengeReply.body as ChallengeResponse;
      const skew = Math.abs(Date.parse(challenge.serverTime) - Date.now());
      if (skew > skewLimitMs) {
        logger.warn(
          {
            event: 'account.clock_skew',
            skewSeconds: Math.round(skew / 1000),
            serverTime: challenge.serverTime,
          },
          `clock skew: this machine's clock differs from the account server's by ${Math.round(skew / 1000)} s; synchronise both clocks (NTP)`,
        );
      }
      const signature = await sign(
        session.keys.signingPrivateKey,
        utf8ToBytes(
          signInMessage({ challengeId: challenge.challengeId, keyId: session.keyId, nonce: challenge.nonce }),
        ),
      );
      // Not retried on a lost answer: the challenge is single-use, so the retry is a new sign-in.
      const signInReply = await sendWithRetry(
        baseUrl,
        'POST',
        '/sign-in',
        { challengeId: challenge.challengeId, keyId: session.keyId, signature: bytesToBase64Url(signature) },
        false,
      );
      if (signInReply.status !== 200) throw failure(signInReply, baseUrl);
      const result = signInReply.body as SignInResponse;
      // Renew a minute early (or at half-life for short sessions), by the local monotonic clock.
      const lifetimeMs = result.expiresInSeconds * 1000;
      const renewAt = performance.now() + Math.max(lifetimeMs / 2, lifetimeMs - 60_000);
      return { token: result.sessionToken, keyId: session.keyId, baseUrl, renewAt };
    };
    signingIn ??= attempt().finally(() => {
      signingIn = undefined;
    });
    return signingIn;
  }

  function failure(reply: Reply, baseUrl: string): Error {
    const known = accountErrorOf(reply);
    if (known) return refused(known, baseUrl);
    const body = reply.body as { code?: unknown; message?: unknown; scimType?: unknown } | undefined;
    if (body?.code === 'scim_error' && reply.status >= 400 && reply.status < 500) {
      setState('connected', baseUrl);
      return new ScimError(
        reply.status,
        typeof body.scimType === 'string' ? (body.scimType as ScimType) : undefined,
        typeof body.message === 'string' ? body.message : 'the request was refused',
      );
    }
    const detail = typeof body?.message === 'string' ? body.message : `HTTP ${reply.status}`;
    if (body?.code === 'sign_in_failed') {
      // The account does not accept this session file's key: the same remedy as revoked credentials.
      return refused(
        new AccountError('credentials_revoked', `the account refused the sign-in: ${detail}`),
        baseUrl,
      );
    }
    if (body?.code === 'rate_limited') {
      // Too many sign-ins from this address (several bridges behind one NAT address, or one
      // restarting in a loop): the account lets it in again after Retry-After.
      return unreachable(baseUrl, `the account API refused the sign-in for now: ${detail}`);
    }
    if (body?.code === 'invalid_request') {
      // The account understood the call and refused its shape: the bridge asked wrongly, the
      // connection is fine. A plain error, so the IdP gets 500 and the log has the detail.
      setState('connected', baseUrl);
      return new Error(`the account API refused a call of this bridge as malformed: ${detail}`);
    }
    if (reply.status >= 500) return unreachable(baseUrl, `the account server answered ${detail}`);
    return unreachable(baseUrl, `unexpected answer from the account API: ${detail}`);
  }

  /** Waits before retry `attempt` + 1: exponential, with jitter so bridges do not retry in step. */
  const backOff = (attempt: number) => sleep(backoffMs * 3 ** attempt * (1 + Math.random() / 2));

  async function sendWithRetry(
    baseUrl: string,
    method: string,
    path: string,
    body: unknown,
    idempotent: boolean,
    token?: string,
  ): Promise<Reply> {
    for (let attempt = 0; ; attempt++) {
      try {
        const reply = await send(baseUrl, method, path, body, token);
        if (idempotent && RETRYABLE_STATUS.has(reply.status) && attempt < retries) {
          await backOff(attempt);
          continue;
        }
        return reply;
      } catch (error) {
        const transport = toTransportError(error);
        // Closing destroys the sockets; a call cut off by that is not sent again.
        if (closed) throw shuttingDown();
        const retryable = idempotent || (transport.code !== undefined && NOT_SENT.has(transport.code));
        if (
          !retryable ||
          attempt >= retries ||
          (transport.code !== undefined && TLS_TRUST.has(transport.code))
        ) {
          throw unreachable(baseUrl, transport.message);
        }
        await backOff(attempt);
      }
    }
  }

  async function currentApiSession(): Promise<ApiSessionState> {
    const session = options.session();
    if (session === undefined) {
      throw new AccountError(
        'account_unreachable',
        'the bridge has not opened its session file yet (no valid bearer token has arrived)',
      );
    }
    const known = apiSession;
    if (
      known &&
      known.keyId === session.keyId &&
      known.baseUrl === baseUrlOf(session) &&
      performance.now() < known.renewAt
    ) {
      return known;
    }
    apiSession = await signIn(session);
    return apiSession;
  }

  /** One HTTP exchange under the API session: signs in if needed, and once more if the session ended. */
  async function exchange(
    method: string,
    path: string,
    body: unknown,
    idempotent: boolean,
  ): Promise<{ reply: Reply; state: ApiSessionState }> {
    let state = await currentApiSession();
    let reply = await sendWithRetry(state.baseUrl, method, path, body, idempotent, state.token);
    if (
      reply.status === 401 &&
      (reply.body as { code?: unknown } | undefined)?.code === 'api_session_invalid'
    ) {
      // Expired or ended (regenerated elsewhere, purged): sign in once more. The refused
      // request did nothing, so sending it again is safe even for writes.
      if (apiSession === state) apiSession = undefined;
      state = await currentApiSession();
      reply = await sendWithRetry(state.baseUrl, method, path, body, idempotent, state.token);
    }
    return { reply, state };
  }

  /**
   * Calls go out together as one `POST /batch` (a lone call as its own request); each
   * still gets its own answer. Every exchange costs a loopback write and read with their
   * system calls on both sides, plus an HTTP parse — most of what a separate bridge costs
   * over the one-process mode — so the client makes as few as it can without adding
   * latency:
   * - calls made in one event-loop turn (the bridge's concurrent SCIM requests) share an
   *   exchange;
   * - while an exchange is on the wire, new calls wait for its answer and then go out
   *   together — the way a database batches commits. When nothing is in flight a call goes
   *   out at once, so a quiet bridge waits for nothing; `holdMs` bounds the wait, so a slow
   *   call (a 50,000-member group replace) never holds up the others for long.
   */
  interface Pending {
    method: string;
    path: string;
    body: unknown;
    idempotent: boolean;
    settle: (outcome: { reply: Reply; state: ApiSessionState } | { error: unknown }) => void;
  }
  let queue: Pending[] = [];
  let flushScheduled = false;
  let inFlight = 0;
  /** When the last exchange went out (local monotonic ms). */
  let lastSentAt = 0;
  let holdTimer: NodeJS.Timeout | undefined;

  function flush(): void {
    flushScheduled = false;
    while (queue.length > 0) {
      const waited = performance.now() - lastSentAt;
      if (inFlight > 0 && waited < holdMs) {
        holdTimer ??= setTimeout(() => {
          holdTimer = undefined;
          scheduleFlush();
        }, holdMs - waited);
        return;
      }
      const calls = queue.slice(0, MAX_BATCH_CALLS);
      queue = queue.slice(calls.length);
      inFlight++;
      lastSentAt = performance.now();
      void sendCalls(calls).finally(() => {
        inFlight--;
        if (queue.length > 0) scheduleFlush();
      });
    }
  }

  function sendCalls(calls: Pending[]): Promise<void> {
    const session = options.session();
    // Over the channel a lone call goes as a batch of one: one kind of message to answer.
    if (calls.length === 1 && !channelUsable(session && baseUrlOf(session))) {
      const [only] = calls as [Pending];
      return exchange(only.method, only.path, only.body, only.idempotent).then(
        only.settle,
        (error: unknown) => only.settle({ error }),
      );
    }
    const batch = calls.map(({ method, path, body }) =>
      body === undefined ? { method, path } : { method, path, body },
    );
    return exchange(
      'POST',
      '/batch',
      { calls: batch },
      calls.every((pending) => pending.idempotent),
    ).then(
      ({ reply, state }) => {
        const results = (reply.body as { results?: unknown } | undefined)?.results;
        if (reply.status === 200 && Array.isArray(results) && results.length === calls.length) {
          calls.forEach((pending, i) => {
            const result = results[i] as { status?: unknown; body?: unknown };
            pending.settle({ reply: { status: Number(result?.status), body: result?.body }, state });
          });
        } else {
          // Refused as a whole (firewall, revoked credentials): every call gets that answer.
          for (const pending of calls) pending.settle({ reply, state });
        }
      },
      (error: unknown) => {
        for (const pending of calls) pending.settle({ error });
      },
    );
  }

  function scheduleFlush(): void {
    if (flushScheduled) return;
    flushScheduled = true;
    setImmediate(flush);
  }

  let closed = false;
  const shuttingDown = () =>
    new AccountError(
      'account_unreachable',
      'the bridge is shutting down; the request changed nothing, retry later',
    );

  /** One API call: queued for the next flush, then its answer mapped. */
  async function call<T>(method: string, path: string, body: unknown, idempotent: boolean): Promise<T> {
    if (closed) throw shuttingDown();
    const outcome = await new Promise<{ reply: Reply; state: ApiSessionState } | { error: unknown }>(
      (settle) => {
        queue.push({ method, path, body, idempotent, settle });
        scheduleFlush();
      },
    );
    if ('error' in outcome) throw outcome.error;
    const { reply, state } = outcome;
    if (reply.status >= 200 && reply.status < 300) {
      setState('connected', state.baseUrl);
      confirmed = { keyId: state.keyId, at: performance.now() };
      return reply.body as T;
    }
    throw failure(reply, state.baseUrl);
  }

  const id = (value: string) => encodeURIComponent(value);

  /**
   * Member calls ask for the members' groups in the same answer (`?include=groups`): the
   * bridge renders almost every member it reads, so its `groupsOfMembers` right after is
   * served from here instead of a second round trip. Entries are used once and only while
   * fresh, so they are never older than the member they came with.
   */
  type GroupRefs = Array<{ id: string; displayName: string; managed: boolean }>;
  const recentGroups = new RecentAnswers<GroupRefs>(10_000);
  const remember = (entries: Iterable<[string, GroupRefs]>) => {
    for (const [memberId, groups] of entries) recentGroups.put(memberId, groups);
  };
  /**
   * Membership changes come back with the key shares the group lacks for the members they
   * added (`?include=missingKeyShares`): the bridge shares the group's key with new members
   * right after each change (`GroupKeyRing.shareWithMembers`), and its
   * `findMissingKeyShares` for exactly those members is answered from here instead of a
   * second round trip, once and only while fresh; a share added twice meanwhile is stored
   * once.
   */
  const recentMissingShares = new RecentAnswers<MissingKeyShare[]>(1000);
  const sharesKey = (groupId: string, memberIds: Iterable<string>) =>
    `${groupId}|${[...new Set(memberIds)].join(',')}`;

  const memberWithGroups = async (
    promise: Promise<MemberView & { groups?: GroupRefs }>,
  ): Promise<MemberView> => {
    const { groups, ...member } = await promise;
    if (groups) remember([[member.id, groups]]);
    return member;
  };
  const updateGroup = (groupId: string, input: GroupInput, expectedVersion?: number) =>
    call<Group>('PUT', `/groups/${id(groupId)}`, { input, expectedVersion }, false);

  return {
    connectionStatus: () => status,
    async reach(sessionAccountUrl) {
      const baseUrl = (options.accountUrlOverride ?? sessionAccountUrl).replace(/\/+$/, '');
      let reply: Reply;
      try {
        reply = await sendHttp(baseUrl, 'GET', '/ping', undefined, undefined, '');
      } catch (error) {
        if (!(error instanceof TransportError)) throw error;
        throw unreachable(baseUrl, error.message);
      }
      if (reply.status >= 500) throw unreachable(baseUrl, `the account server answered ${reply.status}`);
    },
    close() {
      closed = true;
      clearTimeout(holdTimer);
      holdTimer = undefined;
      // Calls still waiting to go out are answered now rather than never.
      const waiting = queue;
      queue = [];
      for (const pending of waiting) pending.settle({ error: shuttingDown() });
      agents.http.destroy();
      agents.https.destroy();
      void channel?.opening.then(
        (result) => result.kind === 'open' && result.channel.terminate(),
        () => undefined,
      );
      channel = undefined;
    },

    async checkProvisioning(keyId) {
      if (
        confirmed?.keyId === keyId &&
        apiSession?.keyId === keyId &&
        performance.now() - confirmed.at < CONFIRMATION_MS
      ) {
        return;
      }
      await call<void>('POST', '/provisioning/check', { keyId }, true);
    },

    createMember: (input: MemberInput) =>
      memberWithGroups(call('POST', '/members?include=groups', { input }, false)),
    getMember: (memberId) =>
      memberWithGroups(call('GET', `/members/${id(memberId)}?include=groups`, undefined, true)),
    async listMembers(query: MemberListQuery) {
      const { groups, ...page } = await call<Page<MemberView> & { groups?: Record<string, GroupRefs> }>(
        'POST',
        '/members/search?include=groups',
        { query },
        true,
      );
      if (groups) remember(Object.entries(groups));
      return page;
    },
    updateMember: (memberId, input, expectedVersion) =>
      memberWithGroups(
        call('PUT', `/members/${id(memberId)}?include=groups`, { input, expectedVersion }, false),
      ),
    // Retried like a read when no version is pinned: a repeat of a call whose answer was lost
    // finds the value already set and writes nothing. With a version it is a write: the
    // repeat would find the version it bumped itself and be refused as a mismatch.
    setMemberActive: (memberId, active, expectedVersion) =>
      memberWithGroups(
        call(
          'POST',
          `/members/${id(memberId)}/active?include=groups`,
          { active, expectedVersion },
          expectedVersion === undefined,
        ),
      ),
    async deleteMember(memberId) {
      await call<void>('DELETE', `/members/${id(memberId)}`, undefined, false);
    },
    async groupsOfMembers(memberIds) {
      const known = recentGroups.take(memberIds);
      if (known) return new Map(memberIds.map((memberId, i) => [memberId, known[i]!]));
      const result = await call<{ groups: Record<string, GroupRefs> }>(
        'POST',
        '/members/groups',
        { memberIds },
        true,
      );
      return new Map(Object.entries(result.groups));
    },

    createGroup: (input: GroupInput, memberIds) =>
      call<Group>('POST', '/groups', { input, memberIds }, false),
    getGroup: (groupId) => call<Group>('GET', `/groups/${id(groupId)}`, undefined, true),
    listGroups: (query: GroupListQuery) => call<Page<Group>>('POST', '/groups/search', { query }, true),
    updateGroup,
    async changeGroupMembers(groupId, change: MembershipChange, expectedVersion, attributes) {
      const { missingKeyShares, ...group } = await call<Group & { missingKeyShares?: MissingKeyShare[] }>(
        'POST',
        `/groups/${id(groupId)}/membership?include=missingKeyShares`,
        { change, expectedVersion, attributes },
        false,
      );
      if (missingKeyShares) {
        recentMissingShares.put(sharesKey(groupId, membersAddedBy(change)), missingKeyShares);
      }
      // An account from before "attributes" ignores them (it reads only what it knows): the
      // group comes back with its old name. Then the new attributes go as their own call, as
      // they did with such an account before — not atomic there, but never silently lost.
      if (
        attributes !== undefined &&
        (group.displayName !== attributes.displayName || group.externalId !== attributes.externalId)
      ) {
        return updateGroup(groupId, attributes, group.version);
      }
      return group;
    },
    async listGroupMembers(groupId, page) {
      const query = new URLSearchParams({ limit: String(page.limit) });
      if (page.afterMemberId !== undefined) query.set('after', page.afterMemberId);
      const result = await call<{ members: GroupMemberRef[] }>(
        'GET',
        `/groups/${id(groupId)}/members?${query}`,
        undefined,
        true,
      );
      return result.members;
    },
    async deleteGroup(groupId) {
      await call<void>('DELETE', `/groups/${id(groupId)}`, undefined, false);
    },

    // The key chain: every one of these is safe to repeat (first key pair wins, shares are
    // added once, confirmation is version-checked), so all may be retried.
    async getGroupKeys(groupIds) {
      return (await call<{ keys: GroupKeyInfo[] }>('POST', '/group-keys/lookup', { groupIds }, true)).keys;
    },
    async addGroupKeys(keys) {
      return (await call<{ keys: GroupKeyInfo[] }>('POST', '/group-keys', { keys }, true)).keys;
    },
    async listProvisioningGroupKeys(page) {
      return (await call<{ keys: GroupKeyInfo[] }>('POST', '/group-keys/provisioning', { page }, true)).keys;
    },
    async resealGroupKeys(keys) {
      return (await call<{ replaced: number }>('POST', '/group-keys/reseal', { keys }, true)).replaced;
    },
    async findMissingKeyShares(query) {
      const known =
        'groupId' in query
          ? recentMissingShares.take([sharesKey(query.groupId, query.memberIds)])
          : undefined;
      if (known) return known[0]!;
      return (await call<{ missing: MissingKeyShare[] }>('POST', '/key-shares/missing', { query }, true))
        .missing;
    },
    async addKeyShares(shares) {
      return (await call<{ added: number }>('POST', '/key-shares', { shares }, true)).added;
    },
    async listPendingConfirmations(page) {
      return (
        await call<{ pending: PendingConfirmation[] }>('POST', '/confirmations/pending', { page }, true)
      ).pending;
    },
    confirmMember: (input) => call<{ outcome: ConfirmOutcome }>('POST', '/confirmations', { input }, true),
    async signUpCounter() {
      return (await call<{ count: number }>('GET', '/sign-ups/count', undefined, true)).count;
    },
    // The token travels in the body only, never in a path or query that a log might keep.
    async checkMonitoringToken(token) {
      // A read, but not retried after a timeout: a scraper waits on the answer, and asking
      // three times through a stalled account would hold /health for half a minute.
      return (
        (await call<{ valid: boolean }>('POST', '/monitoring-tokens/check', { token }, false)).valid === true
      );
    },
  };
}

/**
 * Answers that came along with another call, kept to serve the call that follows it: each
 * entry is used once and only within half a second, so it is never older than the answer it
 * came with. `limit` bounds the entries nobody asked for (they are all dropped past it).
 */
class RecentAnswers<V> {
  private entries = new Map<string, { value: V; at: number }>();
  constructor(private readonly limit: number) {}

  put(key: string, value: V): void {
    if (this.entries.size >= this.limit) this.entries = new Map();
    this.entries.set(key, { value, at: performance.now() });
  }

  /** The values for all `keys`, each used up, or undefined when any is missing or stale. */
  take(keys: readonly string[]): V[] | undefined {
    const now = performance.now();
    const values: V[] = [];
    for (const key of keys) {
      const entry = this.entries.get(key);
      if (entry === undefined || now - entry.at >= RECENT_ANSWER_MS) return undefined;
      values.push(entry.value);
    }
    for (const key of keys) this.entries.delete(key);
    return values;
  }
}
