/** Bridge end of the account API channel: one WebSocket per API session so an exchange costs a frame each way. When unsupported (old account, proxy without upgrades) the client falls back to HTTP. */
import { WebSocket } from 'ws';
import {
  API_PREFIX,
  CHANNEL_MAX_IN_FLIGHT,
  isApiErrorCode,
  watchChannelLiveness,
} from '../account/api/protocol.ts';
import { API_ROUTES } from '../account/api/route-table.ts';

/** The account's answer to a batch, as `POST /batch` would give it. */
export interface ChannelReply {
  status: number;
  body: unknown;
}

/** A failure below HTTP, with the system's error code when there is one (`ECONNREFUSED`, …). */
export class ChannelTransportError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'ChannelTransportError';
  }
}

export interface AccountChannel {
  /** Messages sent and not answered yet (those that timed out here included). */
  pending(): number;
  /** Sends one batch; rejects with `ChannelTransportError` when no answer can come. */
  send(calls: unknown[]): Promise<ChannelReply>;
  /** Closes once every message under way has its answer. */
  retire(): void;
  /** Closes now; messages under way are rejected. */
  terminate(): void;
  /** Resolves when the connection is gone. */
  readonly closed: Promise<void>;
}

export type ChannelOpening =
  | { kind: 'open'; channel: AccountChannel }
  /** The account refused it with an API error: the answer a request would have got. */
  | { kind: 'refused'; reply: ChannelReply }
  /** Nothing here speaks the channel (an older account, a proxy that drops or holds upgrades). */
  | { kind: 'unsupported'; reason: string }
  /** It could not be opened just now (the account or a proxy failing): plain requests for a while. */
  | { kind: 'unavailable'; reason: string };

export interface ChannelOptions {
  /** For the opening handshake and for each message's answer. */
  timeoutMs: number;
  maxAnswerBytes: number;
}

const HANDSHAKE_TIMEOUT_MS = 5000;

/** How often the bridge pings the account on an open channel; two missed pongs end it. */
const PING_INTERVAL_MS = 15_000;

/** Codes of `send` refusals that come before anything was written. */
export const CHANNEL_NOT_SENT: ReadonlySet<string> = new Set(['E_CHANNEL_CLOSED', 'E_CHANNEL_FULL']);

export function channelUrl(baseUrl: string): string {
  return `${baseUrl.replace(/^http/, 'ws')}${API_PREFIX}${API_ROUTES.openChannel.path}`;
}

export function openAccountChannel(
  baseUrl: string,
  token: string,
  options: ChannelOptions,
): Promise<ChannelOpening> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(channelUrl(baseUrl), {
      headers: { authorization: `Bearer ${token}` },
      perMessageDeflate: false,
      maxPayload: options.maxAnswerBytes,
      // A proxy that does not pass upgrades may just hold the request: give up early and fall back.
      handshakeTimeout: Math.min(options.timeoutMs, HANDSHAKE_TIMEOUT_MS),
      followRedirects: false,
    });
    let settled = false;
    socket.once('open', () => {
      settled = true;
      resolve({ kind: 'open', channel: serve(socket, options) });
    });
    socket.once('unexpected-response', (_request, response) => {
      // Read the refusal as an HTTP answer, unless it never ends (unusable too).
      const giveUp = setTimeout(() => {
        if (settled) return;
        settled = true;
        socket.terminate();
        resolve({ kind: 'unsupported', reason: 'the refusal of the channel never ended' });
      }, options.timeoutMs);
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= 64 * 1024) chunks.push(chunk);
      });
      response.on('end', () => {
        clearTimeout(giveUp);
        if (settled) return;
        settled = true;
        socket.terminate();
        const status = response.statusCode ?? 0;
        let body: unknown;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          body = undefined;
        }
        const code = (body as { code?: unknown } | undefined)?.code;
        if (isApiErrorCode(code) && code !== 'not_found' && code !== 'invalid_request') {
          resolve({ kind: 'refused', reply: { status, body } });
        } else if (status >= 500) {
          // The account or a proxy is failing (or refuses upgrades with a 5xx): a plain request will tell.
          resolve({ kind: 'unavailable', reason: `the channel's opening was answered with HTTP ${status}` });
        } else {
          resolve({
            kind: 'unsupported',
            reason: `the account answered the channel's opening with HTTP ${status}`,
          });
        }
      });
      response.on('error', () => undefined);
    });
    // `on`, not `once`: a refused opening can report one more error, and an unheard error event crashes the bridge.
    socket.on('error', (error: Error & { code?: string }) => {
      if (settled) return;
      settled = true;
      socket.terminate();
      if (/handshake has timed out/i.test(error.message)) {
        // Most often a proxy that holds upgrades; waiting on it every exchange would cost seconds.
        resolve({ kind: 'unsupported', reason: 'the opening handshake timed out' });
      } else {
        reject(new ChannelTransportError(error.message, error.code));
      }
    });
  });
}

function serve(socket: WebSocket, options: ChannelOptions): AccountChannel {
  const waiting = new Map<
    number,
    { resolve: (reply: ChannelReply) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }
  >();
  /** Timed-out messages may still run on the account: they count towards the in-flight limit until answered or the channel ends. */
  const late = new Set<number>();
  const underWay = () => waiting.size + late.size;
  let nextId = 1;
  let retiring = false;
  const closeIfRetired = () => {
    if (retiring && underWay() === 0) socket.close(1000, 'replaced by a newer channel');
  };
  let endedBy: ChannelTransportError | undefined;

  const fail = (error: ChannelTransportError) => {
    endedBy ??= error;
    for (const [id, entry] of waiting) {
      clearTimeout(entry.timer);
      waiting.delete(id);
      entry.reject(endedBy);
    }
    late.clear();
  };
  const closed = new Promise<void>((resolve) => {
    socket.once('close', (code, reason) => {
      stopPinging();
      fail(
        new ChannelTransportError(
          `the account closed the API channel (${code}${reason.length > 0 ? `: ${reason.toString()}` : ''})`,
          'ECONNRESET',
        ),
      );
      resolve();
    });
  });
  // A failure of an open channel may follow sent messages: never "not sent", or writes could go twice.
  socket.on('error', (error: Error) => {
    fail(new ChannelTransportError(error.message, 'ECONNRESET'));
  });

  const stopPinging = watchChannelLiveness(socket, PING_INTERVAL_MS);

  socket.on('message', (data) => {
    let message: { id?: unknown; status?: unknown; body?: unknown };
    try {
      message = JSON.parse(String(data)) as typeof message;
    } catch {
      socket.terminate();
      return;
    }
    const id = typeof message.id === 'number' ? message.id : undefined;
    const entry = id === undefined ? undefined : waiting.get(id);
    if (entry !== undefined) {
      waiting.delete(id!);
      clearTimeout(entry.timer);
      entry.resolve({ status: Number(message.status), body: message.body });
    } else if (id !== undefined) {
      late.delete(id); // the answer to a message that timed out here: it has finished
    }
    closeIfRetired();
  });

  return {
    closed,
    pending: underWay,
    send(calls) {
      // Both refusals happen before anything is written, so the caller may resend another way.
      if (endedBy !== undefined || retiring || socket.readyState !== WebSocket.OPEN) {
        return Promise.reject(new ChannelTransportError('the API channel is closed', 'E_CHANNEL_CLOSED'));
      }
      if (underWay() >= CHANNEL_MAX_IN_FLIGHT) {
        return Promise.reject(new ChannelTransportError('the API channel is full', 'E_CHANNEL_FULL'));
      }
      const id = nextId++;
      return new Promise<ChannelReply>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(id);
          late.add(id);
          reject(new ChannelTransportError(`no answer within ${options.timeoutMs} ms`, 'ETIMEDOUT'));
        }, options.timeoutMs);
        waiting.set(id, { resolve, reject, timer });
        socket.send(JSON.stringify({ id, calls }));
      });
    },
    retire() {
      retiring = true;
      closeIfRetired();
    },
    terminate() {
      fail(new ChannelTransportError('the bridge closed the API channel', 'ECONNRESET'));
      socket.terminate();
    },
  };
}
