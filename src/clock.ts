/** Time and randomness are injected so that use cases and tests stay deterministic. */
import { randomUUID } from 'node:crypto';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export type IdGenerator = () => string;

/**
 * UUIDv7 (RFC 9562 §5.7): 48 bits of Unix milliseconds, then 74 random bits. Ids made one
 * after another sort together, so every unique index on an id (members, groups, activity,
 * outbox) takes new entries on its last page instead of a random one: a write dirties, and
 * commits, fewer pages. The random part comes from a v4 UUID, which keeps the variant bits.
 */
export const randomIds: IdGenerator = () => {
  const time = Date.now().toString(16).padStart(12, '0');
  // randomUUID(): xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx; keep everything after the version digit.
  return `${time.slice(0, 8)}-${time.slice(8)}-7${randomUUID().slice(15)}`;
};
