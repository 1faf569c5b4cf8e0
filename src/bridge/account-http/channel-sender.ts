/** Client side of the account API channel: one per API session, with plain-HTTP windows after a failed or refused opening. */
import type { Logger } from 'pino';
import { CHANNEL_NOT_SENT, type ChannelOpening, channelUrl, openAccountChannel } from '../account-channel.ts';
import type { TimeSource } from './time.ts';
import { isNotSent, isTlsTrust, MAX_RESPONSE_BYTES, type Reply, TransportError } from './transport.ts';

/** After the account refused the channel as unknown, plain HTTP for this long before trying again. */
export const CHANNEL_RETRY_MS = 10 * 60_000;
/** After the channel could not be opened for a passing reason (a failing account or proxy). */
export const CHANNEL_PAUSE_MS = 30_000;

export interface ChannelSender {
  /** Whether batches to `baseUrl` may go over the channel now. */
  usable(baseUrl: string | undefined): boolean;
  /** A batch over the channel; undefined when it must go as an HTTP request instead. */
  send(baseUrl: string, token: string, calls: unknown[]): Promise<Reply | undefined>;
  close(): void;
}

export interface ChannelSenderOptions {
  enabled: boolean;
  timeoutMs: number;
  logger: Logger;
  time: TimeSource;
  /** The token of the current API session: channels follow it only. */
  currentToken: () => string | undefined;
  /** For tests: how a channel is opened. */
  open?: typeof openAccountChannel;
}

export function createChannelSender(options: ChannelSenderOptions): ChannelSender {
  const { logger, time, timeoutMs } = options;
  const open = options.open ?? openAccountChannel;
  let closed = false;
  /** The channel of the current API session: opening, open, or refused (then dropped). */
  let channel: { baseUrl: string; token: string; opening: Promise<ChannelOpening> } | undefined;
  let channelOff: { baseUrl: string; until: number } | undefined;

  const paused = (baseUrl: string) =>
    channelOff?.baseUrl === baseUrl && time.monotonicNow() < channelOff.until;

  /** Plain requests to `baseUrl` for `ms` (or longer, if paused longer already); says whether it was in use. */
  function turnOff(baseUrl: string, ms: number): boolean {
    const wasOn = !paused(baseUrl);
    const until = time.monotonicNow() + ms;
    if (wasOn || channelOff!.until < until) channelOff = { baseUrl, until };
    return wasOn;
  }

  function channelFor(baseUrl: string, token: string): Promise<ChannelOpening> {
    if (channel !== undefined && channel.token === token && channel.baseUrl === baseUrl)
      return channel.opening;
    // A new API session gets its own channel; the old one closes once its answers are in.
    const previous = channel;
    const opening = open(baseUrl, token, { timeoutMs, maxAnswerBytes: MAX_RESPONSE_BYTES });
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
    return opening;
  }

  async function send(baseUrl: string, token: string, calls: unknown[]): Promise<Reply | undefined> {
    // Calls under an older session go as requests: channels follow the current session only.
    const current = options.currentToken();
    if (current !== undefined && current !== token) return undefined;
    let opened: ChannelOpening;
    try {
      opened = await channelFor(baseUrl, token);
    } catch (error) {
      // Failures a plain request would meet too are the account's problem (nothing sent); others (a reset on restart) resend as a request.
      const code = (error as { code?: string }).code;
      if (isTlsTrust(code) || isNotSent(code)) throw new TransportError((error as Error).message, code);
      opened = { kind: 'unavailable', reason: (error as Error).message };
    }
    switch (opened.kind) {
      case 'refused':
        return opened.reply;
      case 'unavailable':
        turnOff(baseUrl, CHANNEL_PAUSE_MS);
        return undefined;
      case 'unsupported':
        if (turnOff(baseUrl, CHANNEL_RETRY_MS)) {
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

  return {
    usable: (baseUrl) => options.enabled && !closed && baseUrl !== undefined && !paused(baseUrl),
    send,
    close() {
      closed = true;
      void channel?.opening.then(
        (result) => result.kind === 'open' && result.channel.terminate(),
        () => undefined,
      );
      channel = undefined;
    },
  };
}
