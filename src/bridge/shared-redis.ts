/** The Redis bridge replicas share; nothing correct depends on it (every user has a fallback), and reachability changes are logged once. */
import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** A command that takes longer is counted as Redis not answering. */
const COMMAND_TIMEOUT_MS = 5000;

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
  /** Waits (at most a couple of seconds) for the first connection; true when connected. */
  ready(): Promise<boolean>;
  /** Runs one use of Redis; on failure marks it unreachable and returns `undefined` so the caller falls back. */
  attempt<T>(what: string, run: (client: Redis) => Promise<T>): Promise<T | undefined>;
  close(): Promise<void>;
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
  // Loaded here, not on import: a bridge without SCIMBRIDGE_REDIS_URL never holds the library in memory.
  const { Redis: RedisClient } = createRequire(import.meta.url)('ioredis') as typeof import('ioredis');
  const client = new RedisClient(options.url, {
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
      'Redis unreachable: this bridge carries on alone (no shared rate limits, status-page sessions, request records or watcher lease) until it is back',
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
  client.on('ready', () => firstReady());
  client.on('ready', markReachable);
  /** Before the first connection, a use waits for it (bounded) instead of failing at once. */
  const ready = async (): Promise<boolean> => {
    if (connectedOnce) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, COMMAND_TIMEOUT_MS);
      timer.unref();
    });
    await Promise.race([connected, timeout]);
    clearTimeout(timer);
    return connectedOnce;
  };
  client.on('error', (error: Error) => markUnreachable(error.message));
  client.on('close', () => {
    if (connectedOnce) markUnreachable('the connection closed');
  });

  return {
    client,
    prefix: options.prefix ?? 'scimbridge:',
    status: () => ({ ...status }),
    ready,
    async attempt(what, run) {
      try {
        await ready();
        const result = await run(client);
        // A command that timed out marked Redis unreachable while the connection stayed up.
        if (client.status === 'ready') markReachable();
        return result;
      } catch (error) {
        markUnreachable(`${what}: ${(error as Error).message}`);
        return undefined;
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
