/** The bridge's `AccountClient` over the account HTTP API, for a separate bridge: API errors map to the in-process `AccountError` codes so scim/errors.ts stays the one mapping (P22); writes retry only when nothing was sent. */
import type { Logger } from 'pino';
import type { AccountClient, MissingKeyShare } from '../account/client.ts';
import { AccountError } from '../account/errors.ts';
import { createApiSession } from './account-http/api-session.ts';
import { createBatcher } from './account-http/batching.ts';
import { createChannelSender } from './account-http/channel-sender.ts';
import {
  type AccountConnectionStatus,
  type Connection,
  createConnection,
} from './account-http/connection.ts';
import { bindMethods, type GroupRefs } from './account-http/methods.ts';
import { RecentAnswers } from './account-http/recent-answers.ts';
import { createRetryingSender } from './account-http/retrying-sender.ts';
import { realTime, type TimeSource } from './account-http/time.ts';
import { createHttpTransport, type Reply, TransportError } from './account-http/transport.ts';
import type { UnlockedSession } from './credentials/token-verifier.ts';

export type { AccountConnectionState, AccountConnectionStatus } from './account-http/connection.ts';
export type { TimeSource } from './account-http/time.ts';

export interface HttpAccountClient extends AccountClient {
  /** For the status page (P6): the connection as the last request found it. */
  connectionStatus(): AccountConnectionStatus;
  /** Whether the account answers `/ping`, for /health before a token unlocks the keys; throws `account_unreachable`. */
  reach(sessionAccountUrl: string): Promise<void>;
  close(): void;
}

export interface HttpAccountClientOptions {
  /** The session the last good token opened (`TokenVerifier.session`). */
  session: () => UnlockedSession | undefined;
  /** `--account-url`: wins over the URL in the session file. */
  accountUrlOverride?: string | undefined;
  logger: Logger;
  timeoutMs?: number;
  retries?: number;
  /** Back-off before retry n is `backoffMs * 3^(n-1)` plus up to 50 % jitter; default 100 ms. */
  backoffMs?: number;
  /** Warn when the account's clock differs by more than this; default 60 s. */
  clockSkewWarningMs?: number;
  /** While an exchange is on the wire, new calls wait up to this long and go together; default 2 ms. */
  holdMs?: number;
  /** Send batches over the WebSocket channel instead of one HTTP request each; default true, HTTP when it cannot open. */
  channel?: boolean;
  /** The clocks and timer the client waits on; real time by default (tests drive their own). */
  time?: TimeSource;
}

export function createHttpAccountClient(options: HttpAccountClientOptions): HttpAccountClient {
  const { logger } = options;
  const time = options.time ?? realTime;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const baseUrlOf = (session: UnlockedSession) =>
    (options.accountUrlOverride ?? session.accountUrl).replace(/\/+$/, '');

  let closed = false;
  const shuttingDown = () =>
    new AccountError(
      'account_unreachable',
      'the bridge is shutting down; the request changed nothing, retry later',
    );

  const transport = createHttpTransport(timeoutMs);
  const channel = createChannelSender({
    enabled: options.channel ?? true,
    timeoutMs,
    logger,
    time,
    currentToken: () => apiSession.token(),
  });
  const connection: Connection = createConnection(logger, time, {
    refusedCredentials: () => apiSession.forget(),
    lostTouch: () => apiSession.forgetConfirmed(),
  });
  const send = createRetryingSender({
    transport,
    channel,
    connection,
    time,
    retries: options.retries ?? 2,
    backoffMs: options.backoffMs ?? 100,
    closing: () => (closed ? shuttingDown() : undefined),
  });
  const apiSession = createApiSession({
    session: options.session,
    baseUrlOf,
    send,
    connection: () => connection,
    logger,
    time,
    skewLimitMs: options.clockSkewWarningMs ?? 60_000,
  });
  const batcher = createBatcher({
    holdMs: options.holdMs ?? 2,
    time,
    exchange: apiSession.exchange,
    overChannel: () => {
      const session = options.session();
      return channel.usable(session && baseUrlOf(session));
    },
  });

  /** One API call: queued for the next exchange, then its answer mapped. */
  async function call(method: string, path: string, body: unknown, idempotent: boolean): Promise<unknown> {
    if (closed) throw shuttingDown();
    const outcome = await batcher.enqueue(method, path, body, idempotent);
    if ('error' in outcome) throw outcome.error;
    const { reply, state } = outcome;
    if (reply.status >= 200 && reply.status < 300) {
      connection.connected(state.baseUrl);
      apiSession.accepted(state);
      return reply.body;
    }
    throw apiSession.refused(state.keyId, reply, state.baseUrl);
  }

  const methods: AccountClient = bindMethods(call, {
    recentGroups: new RecentAnswers<GroupRefs>(10_000, time),
    recentMissingShares: new RecentAnswers<MissingKeyShare[]>(1000, time),
    confirmed: (keyId) => apiSession.confirmed(keyId),
  });

  return {
    ...methods,
    provisioningKnown: (keyId) => apiSession.confirmed(keyId),
    connectionStatus: (): AccountConnectionStatus => connection.status(),
    async reach(sessionAccountUrl) {
      const baseUrl = (options.accountUrlOverride ?? sessionAccountUrl).replace(/\/+$/, '');
      let reply: Reply;
      try {
        reply = await transport.request(baseUrl, 'GET', '/ping', undefined, undefined, '');
      } catch (error) {
        if (!(error instanceof TransportError)) throw error;
        throw connection.unreachable(baseUrl, error.message);
      }
      if (reply.status >= 500)
        throw connection.unreachable(baseUrl, `the account server answered ${reply.status}`);
    },
    close() {
      closed = true;
      batcher.close(shuttingDown);
      transport.destroy();
      channel.close();
    },
  };
}
