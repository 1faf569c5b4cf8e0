/**
 * Structured logs (P8). Secrets never reach a log line: the Authorization header and any
 * field that could hold a token or key are redacted at the logger, whatever the caller
 * passes in.
 */
import pino, { type Logger } from 'pino';
import type { LogFormat } from './config.ts';

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'headers.authorization',
  'authorization',
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

export function createLogger(options: {
  level: string;
  format: LogFormat;
  destination?: pino.DestinationStream;
}): Logger {
  const base = {
    level: options.level,
    base: { service: 'scimbridge' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (options.destination) return pino(base, options.destination);
  if (options.format === 'pretty') {
    return pino({
      ...base,
      transport: { target: 'pino-pretty', options: { translateTime: 'SYS:standard' } },
    });
  }
  return pino(base);
}
