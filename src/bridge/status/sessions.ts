/**
 * Signed-in sessions of the status page. The cookie carries a random session id (`sbs_`
 * and 32 random bytes); the bridge keeps only its SHA-256, in memory (or, shared by bridge
 * replicas, in Redis: shared-sessions.ts). The bearer token is never stored, in the cookie or
 * anywhere else. Sessions end at sign-out, after their lifetime, when the bridge restarts
 * (in memory only: this also locks the keys again, so signing in again is the right thing
 * then), and when the account refuses the key id they were opened with (credentials
 * regenerated, provisioning turned off: `endKey`).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../../clock.ts';

export const STATUS_COOKIE = 'scimbridge_status';
export const SESSION_PREFIX = 'sbs_';
export const SESSION_LIFETIME_MS = 8 * 60 * 60 * 1000;
const MAX_SESSIONS = 1000;

export const sessionDigest = (id: string): string => createHash('sha256').update(id).digest('base64url');
const digest = sessionDigest;

/** A new session id for the cookie. */
export const newSessionId = (): string => SESSION_PREFIX + randomBytes(32).toString('base64url');

/** Whether a cookie value can be a session id at all (checked before any lookup). */
export const hasSessionShape = (id: string | undefined): id is string =>
  id?.startsWith(SESSION_PREFIX) === true && id.length <= 100;

/** The status page's sessions as the routes use them: in memory, or shared by bridge replicas. */
export interface PageSessions {
  create(keyId: string): Promise<{ id: string; maxAgeSeconds: number }>;
  keyIdOf(id: string | undefined): Promise<string | undefined>;
  endKey(keyId: string): Promise<void>;
  end(id: string | undefined): Promise<void>;
}

export function inProcessPageSessions(sessions: StatusSessions): PageSessions {
  return {
    create: async (keyId) => sessions.create(keyId),
    keyIdOf: async (id) => sessions.keyIdOf(id),
    endKey: async (keyId) => sessions.endKey(keyId),
    end: async (id) => sessions.end(id),
  };
}

export class StatusSessions {
  private readonly sessions = new Map<string, { expiresAt: number; keyId: string }>();

  constructor(
    private readonly clock: Clock,
    readonly lifetimeMs = SESSION_LIFETIME_MS,
  ) {}

  /** A new session for the token of `keyId`; the returned id goes into the cookie and nowhere else. */
  create(keyId: string, id = newSessionId()): { id: string; maxAgeSeconds: number } {
    this.purge();
    // Bounded: the oldest session goes first when someone signs in a thousand times.
    if (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    this.sessions.set(digest(id), { expiresAt: this.clock.now().getTime() + this.lifetimeMs, keyId });
    return { id, maxAgeSeconds: Math.floor(this.lifetimeMs / 1000) };
  }

  valid(id: string | undefined): boolean {
    return this.keyIdOf(id) !== undefined;
  }

  /** The key id a live session was opened with; undefined for no, an ended or an expired session. */
  keyIdOf(id: string | undefined): string | undefined {
    if (!hasSessionShape(id)) return undefined;
    const session = this.sessions.get(digest(id));
    if (!session) return undefined;
    if (session.expiresAt <= this.clock.now().getTime()) {
      this.sessions.delete(digest(id));
      return undefined;
    }
    return session.keyId;
  }

  /** Ends every session opened with `keyId` (the account refused it). */
  endKey(keyId: string): void {
    for (const [key, session] of this.sessions) if (session.keyId === keyId) this.sessions.delete(key);
  }

  end(id: string | undefined): void {
    if (id !== undefined) this.sessions.delete(digest(id));
  }

  private purge(): void {
    const now = this.clock.now().getTime();
    for (const [key, session] of this.sessions) if (session.expiresAt <= now) this.sessions.delete(key);
  }
}

/** Reads one cookie from a Cookie header (RFC 6265 §5.4): `name=value` pairs split by `;`. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const pair of header.split(';')) {
    const index = pair.indexOf('=');
    if (index === -1) continue;
    if (pair.slice(0, index).trim() === name) return pair.slice(index + 1).trim();
  }
  return undefined;
}
