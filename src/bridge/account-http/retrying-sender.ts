/**
 * Sends one exchange — a batch over the API channel when it can be used, anything else as
 * an HTTP request — and retries with back-off: reads always, writes only when nothing was
 * sent (so nothing can be applied twice).
 */
import { API_ROUTES } from '../../account/api/route-table.ts';
import type { AccountError } from '../../account/errors.ts';
import type { ChannelSender } from './channel-sender.ts';
import type { Connection } from './connection.ts';
import { sleepOn, type TimeSource } from './time.ts';
import {
  type HttpTransport,
  isNotSent,
  isTlsTrust,
  RETRYABLE_STATUS,
  type Reply,
  toTransportError,
} from './transport.ts';

export type SendWithRetry = (
  baseUrl: string,
  method: string,
  path: string,
  body: unknown,
  idempotent: boolean,
  token?: string,
) => Promise<Reply>;

export interface RetryingSenderOptions {
  transport: HttpTransport;
  channel: ChannelSender;
  connection: Connection;
  time: TimeSource;
  retries: number;
  backoffMs: number;
  /** Set once the client closed: then a call cut off by closing is not sent again. */
  closing: () => AccountError | undefined;
}

export function createRetryingSender(options: RetryingSenderOptions): SendWithRetry {
  const { transport, channel, connection, time, retries, backoffMs } = options;

  async function send(baseUrl: string, method: string, path: string, body: unknown, token?: string) {
    if (path === API_ROUTES.batch.path && token !== undefined && channel.usable(baseUrl)) {
      const reply = await channel.send(baseUrl, token, (body as { calls: unknown[] }).calls);
      if (reply !== undefined) return reply;
    }
    return transport.request(baseUrl, method, path, body, token);
  }

  /** Waits before retry `attempt` + 1: exponential, with jitter so bridges do not retry in step. */
  const backOff = (attempt: number) => sleepOn(time, backoffMs * 3 ** attempt * (1 + Math.random() / 2));

  return async (baseUrl, method, path, body, idempotent, token) => {
    for (let attempt = 0; ; attempt++) {
      try {
        const reply = await send(baseUrl, method, path, body, token);
        if (idempotent && RETRYABLE_STATUS.has(reply.status) && attempt < retries) {
          await backOff(attempt);
          continue;
        }
        return reply;
      } catch (error) {
        const problem = toTransportError(error);
        // Closing destroys the sockets; a call cut off by that is not sent again.
        const closed = options.closing();
        if (closed) throw closed;
        const retryable = idempotent || isNotSent(problem.code);
        if (!retryable || attempt >= retries || isTlsTrust(problem.code)) {
          throw connection.unreachable(baseUrl, problem.message);
        }
        await backOff(attempt);
      }
    }
  };
}
