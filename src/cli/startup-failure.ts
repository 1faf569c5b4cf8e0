/**
 * Start-up failures of the long-running commands as one line with the fix (issue 12): a
 * port in use, both servers on one port, a host that does not resolve. Anything this does
 * not recognise is left to propagate with its stack, because then the stack is the help.
 */
import type { Config } from '../config.ts';

export class StartupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StartupError';
  }
}

/** Which flag sets a port, so the message names the one to change. */
function portFlag(port: unknown, config: Pick<Config, 'consolePort' | 'bridgePort'>): string {
  if (port === config.consolePort) return '--console-port (SCIMBRIDGE_CONSOLE_PORT)';
  if (port === config.bridgePort) return '--bridge-port (SCIMBRIDGE_BRIDGE_PORT)';
  return '--console-port or --bridge-port';
}

/** Refuses ports that cannot both be listened on, before anything is opened. */
export function checkDistinctPorts(config: Pick<Config, 'consolePort' | 'bridgePort'>): void {
  if (config.consolePort !== 0 && config.consolePort === config.bridgePort) {
    throw new StartupError(
      `the account server and the bridge cannot share port ${config.consolePort}: give --console-port and --bridge-port different values`,
    );
  }
}

/** A listen error as a StartupError, or undefined when it is not one an operator fixes with a setting. */
export function listenFailure(
  error: unknown,
  config: Pick<Config, 'consolePort' | 'bridgePort' | 'host'>,
): StartupError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, port, syscall, hostname } = error as {
    code?: unknown;
    port?: unknown;
    syscall?: unknown;
    hostname?: unknown;
  };
  const on = `${config.host}:${String(port)}`;
  switch (code) {
    case 'EADDRINUSE':
      return new StartupError(
        `port ${String(port)} on ${config.host} is already in use (another scimbridge, or another program): stop it, or choose another port with ${portFlag(port, config)}`,
        { cause: error },
      );
    case 'EACCES':
      if (syscall !== 'listen') return undefined;
      return new StartupError(
        `this user may not listen on ${on} (ports below 1024 need privileges): choose a port from 1024 up with ${portFlag(port, config)}, and let a proxy serve the low port`,
        { cause: error },
      );
    case 'EADDRNOTAVAIL':
      return new StartupError(
        `${config.host} is not an address of this machine: set --host (SCIMBRIDGE_HOST) to one of its addresses, or 0.0.0.0 for all`,
        { cause: error },
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      if (syscall !== 'getaddrinfo') return undefined;
      return new StartupError(
        `cannot resolve the host "${String(hostname ?? config.host)}" to listen on: fix --host (SCIMBRIDGE_HOST), e.g. 127.0.0.1 or 0.0.0.0`,
        { cause: error },
      );
    default:
      return undefined;
  }
}

/** Runs a server's start and turns the failures above into a StartupError. */
export async function startingUp<T>(
  config: Pick<Config, 'consolePort' | 'bridgePort' | 'host'>,
  start: () => Promise<T>,
): Promise<T> {
  try {
    return await start();
  } catch (error) {
    throw listenFailure(error, config) ?? error;
  }
}
