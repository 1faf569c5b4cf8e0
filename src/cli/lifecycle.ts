/**
 * Graceful shutdown for the long-running commands: on SIGTERM or SIGINT stop accepting
 * connections, let in-flight requests finish (the servers' `close`), release the database,
 * then exit 0. If that takes longer than the grace period, exit 1 rather than hang a
 * container's stop forever.
 */
import type { Logger } from 'pino';

export const SHUTDOWN_GRACE_MS = 25_000;

export function stopOnSignals(close: () => Promise<void>, logger: Logger, graceMs = SHUTDOWN_GRACE_MS): void {
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: finishing in-flight requests');
    const timer = setTimeout(() => {
      logger.error({ graceMs }, 'in-flight requests did not finish in time; exiting anyway');
      process.exit(1);
    }, graceMs);
    timer.unref();
    try {
      await close();
      logger.info('stopped');
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'error while stopping');
      process.exit(1);
    }
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}
