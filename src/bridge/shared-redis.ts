/** The Redis bridge replicas share; nothing correct depends on it (every user has a fallback), and reachability changes are logged once. */
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** A command that takes longer is counted as Redis not answering. */
const COMMAND_TIMEOUT_MS = 5000;
/**
 * How long one use of Redis may take before the caller falls back (`attempt`): a failed-token
 * answer or a status-page request waits at most this long for a slow Redis. Generous enough
 * that a loaded machine's round trip (normally under a millisecond) does not trip it.
 */
export const SHARED_CALL_TIMEOUT_MS = 1000;

export interface SharedRedisStatus {
  reachable: boolean;
  /** Since when it is in its current state (ISO-8601). */
  since: string;
  /** Why it is unreachable; null when reachable. */
  error: string | null;
}

export interface SharedRedis {
  readonly client: Redis;
  /** Every key this bridge writes starts with it (tests use a random one; `scimbridge:` otherwise). */
  readonly prefix: string;
  status(): SharedRedisStatus;
  /** Waits (at most `maxMs`, 5 s by default) for the first connection; true when connected. */
  ready(maxMs?: number): Promise<boolean>;
  /**
   * Runs one use of Redis; on failure, or when it takes longer than `timeoutMs` (5 s by default;
   * SHARED_CALL_TIMEOUT_MS for uses on a request's way), marks it unreachable and returns
   * `undefined` so the caller falls back.
   */
  attempt<T>(what: string, run: (client: Redis) => Promise<T>, timeoutMs?: number): Promise<T | undefined>;
  close(): Promise<void>;
}

/** A Lua script run by its SHA-1 (EVALSHA), so only the first call after a Redis restart sends its text. */
export function luaScript(text: string): (client: Redis, keys: string[], args: string[]) => Promise<unknown> {
  const sha = createHash('sha1').update(text).digest('hex');
  return async (client, keys, args) => {
    try {
      return await client.evalsha(sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!String((error as Error).message).startsWith('NOSCRIPT')) throw error;
      return client.eval(text, keys.length, ...keys, ...args);
    }
  };
}

/** The URL without its password, for logs and the status page. */
export function redactedRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'redis://(unparsable URL)';
  }
}

export function openSharedRedis(options: {
  url: string;
  logger: Logger;
  prefix?: string;
  now?: () => Date;
}): SharedRedis {
  const now = options.now ?? (() => new Date());
  const shownUrl = redactedRedisUrl(options.url);
  // rediss:// turns TLS on; a password or user:password in the URL is sent with AUTH.
  const client = new Redis(options.url, {
    lazyConnect: false,
    // Fail a command at once while disconnected instead of queueing it: callers fall back.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: 5000,
    retryStrategy: (times) => Math.min(200 * times, 5000),
  });
  let status: SharedRedisStatus = { reachable: false, since: now().toISOString(), error: 'connecting' };
  let connectedOnce = false;
  let failureLogged = false;

  const markUnreachable = (reason: string) => {
    if (!status.reachable && failureLogged) return;
    status = { reachable: false, since: now().toISOString(), error: reason };
    failureLogged = true;
    options.logger.error(
      { redis: shownUrl, reason },
      'Redis unreachable: this bridge carries on alone (no shared rate limits, status-page sessions, request records, watcher or Google-sync lease) until it is back',
    );
  };
  const markReachable = () => {
    if (status.reachable) return;
    status = { reachable: true, since: now().toISOString(), error: null };
    options.logger.info(
      { redis: shownUrl },
      connectedOnce
        ? 'Redis reachable again: bridge replicas share state through it'
        : 'Redis connected: bridge replicas share state through it',
    );
    connectedOnce = true;
    failureLogged = false;
  };
  let firstReady: () => void = () => {};
  const connected = new Promise<void>((resolve) => {
    firstReady = resolve;
  });
  /** Set once the first connection attempt failed: later uses fall back at once instead of waiting. */
  let firstFailed = false;
  client.on('ready', () => firstReady());
  client.on('ready', markReachable);
  /** Before the first connection, a use waits for it (bounded) instead of failing at once. */
  const ready = async (maxMs = COMMAND_TIMEOUT_MS): Promise<boolean> => {
    if (connectedOnce) return true;
    if (firstFailed) return false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, maxMs);
      timer.unref();
    });
    await Promise.race([connected, timeout]);
    clearTimeout(timer);
    return connectedOnce;
  };
  client.on('error', (error: Error) => {
    if (!connectedOnce) {
      firstFailed = true;
      firstReady();
    }
    markUnreachable(error.message);
  });
  client.on('close', () => {
    if (connectedOnce) markUnreachable('the connection closed');
  });

  return {
    client,
    prefix: options.prefix ?? 'scimbridge:',
    status: () => ({ ...status }),
    ready,
    async attempt(what, run, timeoutMs = COMMAND_TIMEOUT_MS) {
      let timer: NodeJS.Timeout | undefined;
      try {
        const started = performance.now();
        await ready(timeoutMs);
        const left = Math.max(1, timeoutMs - (performance.now() - started));
        const slow = new Promise<never>((_resolve, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), left);
          timer.unref();
        });
        const result = await Promise.race([run(client), slow]);
        // A command that timed out marked Redis unreachable while the connection stayed up.
        if (client.status === 'ready') markReachable();
        return result;
      } catch (error) {
        markUnreachable(`${what}: ${(error as Error).message}`);
        return undefined;
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      client.removeAllListeners('close');
      client.removeAllListeners('error');
      client.on('error', () => {});
      client.disconnect();
    },
  };
}
