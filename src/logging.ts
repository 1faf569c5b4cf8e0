/**
 * Structured logs (P8). Secrets never reach a log line: the Authorization header and any
 * field that could hold a token or key are redacted at the logger, whatever the caller
 * passes in, and as a last line of defence every finished line is scrubbed of anything
 * shaped like one of our secrets (bearer token, monitoring token, status-page session),
 * wherever it hides (a URL's query string, an error message, a header echoed back).
 *
 * The bridge also keeps the most recent lines in memory (`RecentLogLines`) for the status
 * page's log download; they are the same scrubbed lines that went to stdout.
 */
import pino, { type Logger } from 'pino';
import pinoPretty from 'pino-pretty';
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

/**
 * Our secrets carry recognisable prefixes: `sbt_` bearer token, `sbm_` monitoring token,
 * `sbs_` status-page session. 20+ characters after the prefix, so ordinary words that
 * happen to start with these letters are left alone.
 */
export const SECRET_SHAPE = /\bsb[tms]_[A-Za-z0-9_-]{20,}/g;

export function scrubSecrets(line: string): string {
  return line.replace(SECRET_SHAPE, (match) => `${match.slice(0, 4)}[redacted]`);
}

/**
 * The last log lines, bounded by count and by bytes, oldest dropped first. Lines are kept
 * as the JSON text the logger wrote (already redacted and scrubbed).
 */
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

  /** Oldest first. */
  snapshot(): string[] {
    return [...this.lines];
  }

  get size(): number {
    return this.lines.length;
  }
}

/**
 * A bridge process's logger: `recentLines` > 0 also keeps that many recent lines in memory for
 * the status page's log download; 0 sends lines to stdout only.
 */
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
  // pino-pretty runs in process (not as a worker transport), so lines reach the screen in
  // order with the JSON kept for the download.
  const primary: pino.DestinationStream =
    options.format === 'pretty'
      ? pinoPretty({
          translateTime: 'SYS:standard',
          colorize: options.destination === undefined && process.stdout.isTTY === true,
          destination: options.destination ?? process.stdout,
        })
      : // process.stdout, not a raw fd 1: when the reader of a pipe goes away (`| head`), its
        // EPIPE reaches cli/output.ts, which ends the process quietly. pino's fd writer retries
        // a failed write forever instead, and the server hangs on its next log line.
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
