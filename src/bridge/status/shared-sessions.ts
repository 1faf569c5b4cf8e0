/**
 * Status-page sessions shared by bridge replicas through Redis: signed in on one bridge, the
 * next request that lands on another is signed in too, and signing out ends the session on
 * every bridge. Redis holds only the SHA-256 of the session id and the key id it was opened
 * with (not secret), under a TTL equal to the session's lifetime — never the cookie's value,
 * the token or anything that opens the session file.
 *
 * While Redis does not answer, sessions are made and checked in this bridge's memory, as
 * without Redis; a session made then works on this bridge only. Sessions made here through
 * Redis are also kept in memory, for use only while Redis does not answer: an outage does not
 * sign out whoever signed in on this bridge, yet a sign-out elsewhere (which Redis records by
 * deleting the session) is never overruled by the memory copy while Redis answers.
 */
import type { Clock } from '../../clock.ts';
import { SHARED_CALL_TIMEOUT_MS, type SharedRedis } from '../shared-redis.ts';
import {
  hasSessionShape,
  newSessionId,
  type PageSessions,
  SESSION_LIFETIME_MS,
  StatusSessions,
  sessionDigest,
} from './sessions.ts';

/** Deletes every session listed under a key id, then the list. */
const END_KEY = `
local digests = redis.call('SMEMBERS', KEYS[1])
for _, digest in ipairs(digests) do redis.call('DEL', ARGV[1] .. digest) end
redis.call('DEL', KEYS[1])
return #digests`;

export function createRedisPageSessions(options: {
  redis: SharedRedis;
  clock: Clock;
  lifetimeMs?: number;
}): PageSessions {
  const { redis, clock } = options;
  const lifetimeMs = options.lifetimeMs ?? SESSION_LIFETIME_MS;
  /** Sessions made while Redis did not answer: this bridge's own. */
  const alone = new StatusSessions(clock, lifetimeMs);
  /** Copies of the sessions made here through Redis, read only while Redis does not answer. */
  const copies = new StatusSessions(clock, lifetimeMs);
  const sessionPrefix = `${redis.prefix}status-session:`;
  const ofKey = (keyId: string) => `${redis.prefix}status-sessions-of:${keyId}`;
  const attempt = <T>(what: string, run: Parameters<SharedRedis['attempt']>[1]) =>
    redis.attempt(what, run, SHARED_CALL_TIMEOUT_MS) as Promise<T | undefined>;

  return {
    async create(keyId) {
      const id = newSessionId();
      const digest = sessionDigest(id);
      const expiresAt = clock.now().getTime() + lifetimeMs;
      const stored = await attempt<unknown>('status-page sign-in', (client) =>
        client
          .multi()
          .set(sessionPrefix + digest, JSON.stringify({ keyId, expiresAt }), 'PX', lifetimeMs)
          .sadd(ofKey(keyId), digest)
          .pexpire(ofKey(keyId), lifetimeMs)
          .exec(),
      );
      if (stored === undefined) return alone.create(keyId);
      return copies.create(keyId, id);
    },

    async keyIdOf(id) {
      if (!hasSessionShape(id)) return undefined;
      const text = await attempt<string | null>('status-page session', (client) =>
        client.get(sessionPrefix + sessionDigest(id)),
      );
      if (typeof text === 'string') {
        const session = JSON.parse(text) as { keyId: string; expiresAt: number };
        if (session.expiresAt > clock.now().getTime()) return session.keyId;
        return undefined;
      }
      if (text === undefined) return copies.keyIdOf(id) ?? alone.keyIdOf(id);
      // Not in Redis: ended elsewhere, expired, or made here while Redis was down.
      return alone.keyIdOf(id);
    },

    async endKey(keyId) {
      alone.endKey(keyId);
      copies.endKey(keyId);
      await attempt('status-page sessions of a refused key', (client) =>
        client.eval(END_KEY, 1, ofKey(keyId), sessionPrefix),
      );
    },

    async end(id) {
      alone.end(id);
      copies.end(id);
      if (!hasSessionShape(id)) return;
      await attempt('status-page sign-out', (client) => client.del(sessionPrefix + sessionDigest(id)));
    },
  };
}
