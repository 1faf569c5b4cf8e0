/**
 * The per-request logger fastify hands each request, made only when the request logs
 * something. fastify builds `request.log` as a child of the server's logger (bound to the
 * request id) for every request; with our redaction paths a pino child costs a few
 * microseconds, which the SCIM read path pays on every lookup although nearly no request
 * logs through it (the one line per request is written by the server's own hook). The lines
 * it writes are the same as the eager child's.
 */
import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';
import type { Logger } from 'pino';

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
type ChildOptions = Parameters<FastifyBaseLogger['child']>[1];
type Bindings = Parameters<FastifyBaseLogger['child']>[0];

class LazyRequestLogger {
  private made: Logger | undefined;

  constructor(
    private readonly parent: Logger,
    private readonly bindings: Bindings,
    private readonly options: ChildOptions,
  ) {}

  private get real(): Logger {
    this.made ??= this.parent.child(this.bindings, this.options);
    return this.made;
  }

  get level(): string {
    return this.made?.level ?? this.parent.level;
  }

  set level(level: string) {
    this.real.level = level;
  }

  isLevelEnabled(level: string): boolean {
    return (this.made ?? this.parent).isLevelEnabled(level);
  }

  child(bindings: Bindings, options?: ChildOptions): FastifyBaseLogger {
    return this.real.child(bindings, options) as FastifyBaseLogger;
  }

  private write(level: Level, args: unknown[]): void {
    // Below the level nothing is written, so there is no child to make.
    if (!(this.made ?? this.parent).isLevelEnabled(level)) return;
    (this.real[level] as (...line: unknown[]) => void)(...args);
  }

  fatal(...args: unknown[]): void {
    this.write('fatal', args);
  }
  error(...args: unknown[]): void {
    this.write('error', args);
  }
  warn(...args: unknown[]): void {
    this.write('warn', args);
  }
  info(...args: unknown[]): void {
    this.write('info', args);
  }
  debug(...args: unknown[]): void {
    this.write('debug', args);
  }
  trace(...args: unknown[]): void {
    this.write('trace', args);
  }
  silent(): void {}
}

/** fastify's `childLoggerFactory` for a server on a pino logger: the request's logger, made on its first line. */
export const lazyRequestLogger: NonNullable<FastifyServerOptions['childLoggerFactory']> = (
  logger,
  bindings,
  options,
) => new LazyRequestLogger(logger as Logger, bindings, options) as unknown as FastifyBaseLogger;
