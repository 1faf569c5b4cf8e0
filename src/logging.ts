/** Structured logs (P8): secrets are redacted at the logger and every finished line is scrubbed of our token shapes, wherever they hide. */
import { createRequire } from 'node:module';
import pino, { type Logger } from 'pino';
import type PinoPretty from 'pino-pretty';
import type { LogFormat } from './config.ts';

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  'authorization',
  'cookie',
  'token',
  '*.token',
  'sessionFile',
  '*.sessionFile',
  'blob',
  '*.blob',
  'privateKey',
  '*.privateKey',
  'password',
  '*.password',
  'sessionToken',
  '*.sessionToken',
  'smtpUrl',
  '*.smtpUrl',
];

/** Our secrets' prefixes (`sbt_`, `sbm_`, `sbs_`) plus 20+ characters, so ordinary words are left alone. */
export const SECRET_SHAPE = /\bsb[tms]_[A-Za-z0-9_-]{20,}/g;

export function scrubSecrets(line: string): string {
  return line.replace(SECRET_SHAPE, (match) => `${match.slice(0, 4)}[redacted]`);
}

/** The last log lines, bounded by count and bytes, kept as the redacted JSON text the logger wrote. */
export class RecentLogLines {
  private readonly lines: string[] = [];
  private bytes = 0;

  constructor(
    readonly maxLines = 2000,
    readonly maxBytes = 2 * 1024 * 1024,
  ) {}

  push(line: string): void {
    const text = line.endsWith('\n') ? line.slice(0, -1) : line;
    if (text === '') return;
    if (text.includes('\n')) {
      for (const part of text.split('\n')) this.push(part);
      return;
    }
    this.lines.push(text);
    this.bytes += text.length;
    while (this.lines.length > this.maxLines || (this.bytes > this.maxBytes && this.lines.length > 1)) {
      this.bytes -= this.lines.shift()!.length;
    }
  }

  snapshot(): string[] {
    return [...this.lines];
  }

  get size(): number {
    return this.lines.length;
  }
}

/** A process logger; `recentLines` > 0 also keeps that many lines for the status page's download. */
export function createBridgeLogger(options: { level: string; format: LogFormat; recentLines: number }): {
  logger: Logger;
  recentLogs: RecentLogLines | undefined;
} {
  const recentLogs = options.recentLines > 0 ? new RecentLogLines(options.recentLines) : undefined;
  return {
    logger: createLogger({ level: options.level, format: options.format, recent: recentLogs }),
    recentLogs,
  };
}

/** Loaded when a pretty log is asked for: a server writing JSON (production) never holds it in memory. */
function loadPinoPretty(): typeof PinoPretty {
  return createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
}

export function createLogger(options: {
  level: string;
  format: LogFormat;
  destination?: pino.DestinationStream;
  /** Also keep recent lines here (the bridge's log download). */
  recent?: RecentLogLines;
}): Logger {
  const base: pino.LoggerOptions = {
    level: options.level,
    base: { service: 'scimbridge' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    hooks: { streamWrite: scrubSecrets },
  };
  // pino-pretty in process (not a worker), so lines reach the screen in order and the JSON is kept for the download.
  const primary: pino.DestinationStream =
    options.format === 'pretty'
      ? loadPinoPretty()({
          translateTime: 'SYS:standard',
          colorize: options.destination === undefined && process.stdout.isTTY === true,
          destination: options.destination ?? process.stdout,
        })
      : // process.stdout, not a raw fd 1: when the reader of a pipe goes away (`| head`), its
        // Let EPIPE reach cli/output.ts to end quietly; pino's fd writer would retry forever and hang the server.
        (options.destination ?? process.stdout);
  const { recent } = options;
  if (!recent) return pino(base, primary);
  // pino writes one finished line per call: tee it, cheaper than a multistream.
  return pino(base, {
    write(line: string) {
      primary.write(line);
      recent.push(line);
    },
  });
}
