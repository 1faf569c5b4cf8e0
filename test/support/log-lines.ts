/** A JSON logger whose lines land in an array, for tests that read what was logged. */
import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { createLogger, type RecentLogLines } from '../../src/logging.ts';

export function loggerInto(
  lines: string[],
  options: { level?: string; recent?: RecentLogLines } = {},
): Logger {
  return createLogger({
    level: options.level ?? 'info',
    format: 'json',
    ...(options.recent ? { recent: options.recent } : {}),
    destination: new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    }),
  });
}
