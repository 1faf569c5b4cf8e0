/** Time and randomness are injected so that use cases and tests stay deterministic. */
import { randomUUID } from 'node:crypto';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export type IdGenerator = () => string;

export const randomIds: IdGenerator = () => randomUUID();
