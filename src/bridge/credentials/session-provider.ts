/** Keeps the current session file and picks up a regenerated one on the next failed token, without a restart (P2). */
import type { Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { type Clock, systemClock } from '../../clock.ts';
import type { SessionFile } from '../../crypto/credentials/session-file.ts';
import {
  describeSessionSource,
  loadSessionFile,
  SessionFileError,
  type SessionSource,
} from './load-session.ts';

export interface SessionFileProvider {
  readonly sourceDescription: string;
  /** The session file as last read; throws `SessionFileError` while unreadable, retrying at most once per recheck interval. */
  current(): Promise<SessionFile>;
  /** Re-reads a changed source at most once per recheck interval; true when a different file is now current. */
  refresh(): Promise<boolean>;
  /** Why the last read failed while `current` still serves the earlier file; undefined when it was good. */
  staleBecause?(): SessionFileError | undefined;
}

interface FileStamp {
  mtimeMs: number;
  size: number;
  ino: number;
}

const sameStamp = (a: FileStamp, b: FileStamp): boolean =>
  a.mtimeMs === b.mtimeMs && a.size === b.size && a.ino === b.ino;

const sameFile = (a: SessionFile, b: SessionFile): boolean =>
  a.keyId === b.keyId && a.blob === b.blob && a.salt === b.salt && a.nonce === b.nonce;

export function createSessionFileProvider(
  source: SessionSource,
  options: { clock?: Clock; recheckIntervalMs?: number } = {},
): SessionFileProvider {
  const clock = options.clock ?? systemClock;
  const recheckIntervalMs = options.recheckIntervalMs ?? 1000;
  const sourceDescription = describeSessionSource(source);
  const path = source.kind === 'env' ? undefined : source.path;

  let file: SessionFile | undefined;
  let stamp: FileStamp | undefined;
  let lastError: SessionFileError | undefined;
  let lastAttemptAt = Number.NEGATIVE_INFINITY;
  let inFlight: Promise<boolean> | undefined;

  async function readStamp(): Promise<FileStamp | undefined> {
    if (path === undefined) return undefined;
    try {
      const stats: Stats = await stat(path);
      return { mtimeMs: stats.mtimeMs, size: stats.size, ino: stats.ino };
    } catch {
      return undefined;
    }
  }

  /** One read; concurrent callers share it. */
  function load(): Promise<boolean> {
    inFlight ??= (async () => {
      lastAttemptAt = clock.now().getTime();
      const nextStamp = await readStamp();
      if (file !== undefined && (path === undefined || (nextStamp && stamp && sameStamp(nextStamp, stamp)))) {
        return false;
      }
      try {
        const next = await loadSessionFile(source);
        lastError = undefined;
        stamp = nextStamp;
        if (file !== undefined && sameFile(file, next)) return false;
        file = next;
        return true;
      } catch (error) {
        if (!(error instanceof SessionFileError)) throw error;
        // Keep serving the file we had: a half-copied replacement must not take the bridge down.
        lastError = error;
        return false;
      }
    })().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  const due = (): boolean => clock.now().getTime() - lastAttemptAt >= recheckIntervalMs;

  return {
    sourceDescription,
    staleBecause: () => (file === undefined ? undefined : lastError),
    async current() {
      if (file === undefined && (due() || inFlight)) await load();
      if (file !== undefined) return file;
      throw lastError ?? new SessionFileError('unreadable', sourceDescription, 'not read yet');
    },
    async refresh() {
      if (inFlight) return inFlight;
      // A stat is cheap, so a replaced file is noticed on the next failed token; the interval limits only full re-reads.
      if (path !== undefined && file !== undefined && stamp !== undefined) {
        const next = await readStamp();
        if (next !== undefined && !sameStamp(next, stamp)) return load();
      }
      if (!due()) return false;
      return load();
    },
  };
}

/** A session file held in memory (one-process mode right after setup, and tests). */
export function fixedSessionFileProvider(
  file: SessionFile,
  sourceDescription = 'in-memory session file',
): SessionFileProvider {
  return { sourceDescription, current: async () => file, refresh: async () => false };
}
