/**
 * `POST /batch` over one WebSocket (RFC 6455) per API session: a frame costs a fraction of an
 * HTTP exchange (docs/benchmarks.md). Every message is checked again (P2, P3, P4); messages
 * refused while closing or over the limit are answered unrun, so the bridge can resend them.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { WebSocket } from 'ws';
import { decodeUtf8, parseStrictJson } from '../../json-body.ts';
import {
  API_MAX_JSON_DEPTH,
  CHANNEL_MAX_IN_FLIGHT as MAX_MESSAGES_IN_FLIGHT,
  watchChannelLiveness,
} from './protocol.ts';

/** How often the account pings an idle bridge, and how long a dead one can hold a socket. */
const PING_INTERVAL_MS = 30_000;

/** A whole-message refusal: the status and error body an HTTP request would have got. */
export interface ChannelRefusal {
  status: number;
  body: unknown;
}

export interface ChannelHandlers {
  /** Checks the message's sender as the API checks each request; throws what the request would get. */
  admit(): Promise<void>;
  run(calls: unknown): Promise<{ status: number; json: string }>;
  refusal(error: unknown): ChannelRefusal;
  expiresAtMs: number;
  answered(status: number, calls: number, seconds: number): void;
}

export interface ChannelRegistry {
  serve(socket: WebSocket, handlers: ChannelHandlers, log: FastifyBaseLogger): void;
  drain(graceMs: number): Promise<void>;
}

interface Open {
  socket: WebSocket;
  inFlight: number;
  /** Set when the channel is to close: new messages get this answer, unrun. */
  ending?: ChannelRefusal;
  idle?: () => void;
}

function closeWhenIdle(channel: Open, code: number, reason: string, done: () => void = () => {}): void {
  const close = () => {
    channel.socket.close(code, reason);
    done();
  };
  if (channel.inFlight === 0) close();
  else channel.idle = close;
}

export function createChannelRegistry(now: () => number = Date.now): ChannelRegistry {
  const open = new Set<Open>();
  let draining = false;

  return {
    serve(socket, handlers, log) {
      if (draining) {
        // Opened while the server shuts down (its checks were still running): not served.
        socket.close(1001, 'the account server is shutting down');
        return;
      }
      const channel: Open = { socket, inFlight: 0 };
      open.add(channel);
      const stopPinging = watchChannelLiveness(socket, PING_INTERVAL_MS);
      const expiry = setTimeout(
        () => {
          channel.ending = SESSION_ENDED;
          closeWhenIdle(channel, 1008, 'API session expired');
        },
        Math.max(0, Math.min(handlers.expiresAtMs - now(), 2 ** 31 - 1)),
      );
      expiry.unref();
      socket.on('close', () => {
        stopPinging();
        clearTimeout(expiry);
        open.delete(channel);
        channel.idle?.();
      });
      socket.on('error', (error) => log.warn({ err: error }, 'account API channel failed'));

      socket.on('message', (data, isBinary) => {
        const message = isBinary ? undefined : parseMessage(data);
        if (message === undefined) {
          // Not our protocol: a bridge never sends this, so nothing sensible can be answered.
          socket.close(1007, 'each message must be {"id": <whole number>, "calls": [...]} as JSON text');
          return;
        }
        // Answered, not run, rather than closing the channel: closing would lose the answers
        // of the messages still running, whose writes would then look failed.
        const refusedUnrun =
          channel.ending ?? (channel.inFlight >= MAX_MESSAGES_IN_FLIGHT ? TOO_MANY : undefined);
        if (refusedUnrun !== undefined) {
          send(socket, message.id, refusedUnrun.status, JSON.stringify(refusedUnrun.body));
          return;
        }
        channel.inFlight++;
        const started = performance.now();
        let calls = 0;
        handlers
          .admit()
          .then(() => {
            calls = Array.isArray(message.calls) ? message.calls.length : 0;
            return handlers.run(message.calls);
          })
          .catch((error: unknown) => {
            const refusal = handlers.refusal(error);
            return { status: refusal.status, json: JSON.stringify(refusal.body) };
          })
          .then((answer) => {
            send(socket, message.id, answer.status, answer.json);
            handlers.answered(answer.status, calls, (performance.now() - started) / 1000);
          })
          .catch((error: unknown) => log.error({ err: error }, 'account API channel message failed'))
          .finally(() => {
            channel.inFlight--;
            if (channel.inFlight === 0) channel.idle?.();
          });
      });
    },

    async drain(graceMs) {
      draining = true;
      const finished = [...open].map(
        (channel) =>
          new Promise<void>((resolve) => {
            channel.ending = SHUTTING_DOWN;
            closeWhenIdle(channel, 1001, 'the account server is shutting down', resolve);
          }),
      );
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(finished),
        new Promise((resolve) => {
          timer = setTimeout(resolve, graceMs);
        }),
      ]);
      clearTimeout(timer);
      for (const channel of open) channel.socket.terminate();
    },
  };
}

// Answers to messages not run; the bridge may safely send them again.
const SHUTTING_DOWN: ChannelRefusal = {
  status: 503,
  body: { code: 'internal_error', message: 'the account server is shutting down; the call was not run' },
};
const TOO_MANY: ChannelRefusal = {
  status: 503,
  body: {
    code: 'internal_error',
    message: `more than ${MAX_MESSAGES_IN_FLIGHT} messages under way on this channel; the call was not run`,
  },
};
const SESSION_ENDED: ChannelRefusal = {
  status: 401,
  body: { code: 'api_session_invalid', message: 'the API session expired; sign in again' },
};

function parseMessage(data: unknown): { id: number; calls: unknown } | undefined {
  let message: unknown;
  try {
    message = parseStrictJson(Buffer.isBuffer(data) ? decodeUtf8(data) : String(data), API_MAX_JSON_DEPTH);
  } catch {
    return undefined;
  }
  if (typeof message !== 'object' || message === null) return undefined;
  const { id, calls } = message as { id?: unknown; calls?: unknown };
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) return undefined;
  return { id, calls };
}

function send(socket: WebSocket, id: number, status: number, json: string): void {
  if (socket.readyState !== socket.OPEN) return;
  socket.send(`{"id":${id},"status":${status},"body":${json}}`);
}
