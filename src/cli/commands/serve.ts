/**
 * `scimbridge account serve` and `scimbridge bridge serve`: each service alone, the
 * production shape (DESIGN.md): the account server in one place, bridges next to the IdP or
 * behind a load balancer, talking to the account over its HTTP API.
 */
import type { Command } from 'commander';
import { loadConfig } from '../../config.ts';
import { createBridgeLogger, createLogger } from '../../logging.ts';
import { startAccountService, startBridgeService } from '../../main.ts';
import { publicAddressWarnings } from '../../public-address.ts';
import { stopOnSignals } from '../lifecycle.ts';
import {
  flagsOf,
  withLogBufferFlag,
  withMailFlags,
  withMonitorFlags,
  withScimLimitFlags,
  withStorageFlags,
} from '../options.ts';
import { startingUp } from '../startup-failure.ts';
import { ownerSetupLines } from './owner.ts';

function withServerFlags(command: Command): Command {
  return command
    .option('--host <address>', 'address to listen on (SCIMBRIDGE_HOST, default 127.0.0.1)')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent (SCIMBRIDGE_LOG_LEVEL)')
    .option('--log-format <format>', 'json or pretty (SCIMBRIDGE_LOG_FORMAT)')
    .option(
      '--trust-proxy [proxies]',
      'take the client address from X-Forwarded-For; optionally only from these comma-separated proxy addresses or ranges (SCIMBRIDGE_TRUST_PROXY)',
    )
    .option('--tls-cert <file>', 'PEM certificate: serve HTTPS (SCIMBRIDGE_TLS_CERT, with --tls-key)')
    .option('--tls-key <file>', 'PEM private key of --tls-cert (SCIMBRIDGE_TLS_KEY)');
}

export function registerServeCommands(program: Command): void {
  const account = program.command('account').description('the team account server');
  withServerFlags(
    withStorageFlags(
      withMailFlags(
        withMonitorFlags(account.command('serve'))
          .description('run the account server alone: console and the account API that bridges sign in to')
          .option('--console-port <port>', 'account server port (SCIMBRIDGE_CONSOLE_PORT, default 8080)')
          .option(
            '--public-url <url>',
            "the bridge's address as IdPs reach it, used by the health monitor (SCIMBRIDGE_PUBLIC_URL)",
          )
          .option(
            '--account-name <name>',
            'name of the team account created at first start (SCIMBRIDGE_ACCOUNT_NAME)',
          )
          .option('--owner-email <address>', 'owner created at first start (SCIMBRIDGE_OWNER_EMAIL)')
          .option(
            '--network-list <file>',
            'cloud and anonymising networks for the firewall rule "deny listed networks" (SCIMBRIDGE_NETWORK_LIST)',
          )
          .option('--account-url <url>', "the account server's public address (SCIMBRIDGE_ACCOUNT_URL)"),
      ),
    ),
  ).action(async (options: Record<string, unknown>) => {
    const config = loadConfig(process.env, flagsOf(options));
    const logger = createLogger({ level: config.logLevel, format: config.logFormat });
    const running = await startingUp(config, () => startAccountService(config, { logger }));
    process.stdout.write(
      [
        `scimbridge account server is running at ${running.address} (account API ${running.address}/api/v1)`,
        ...ownerSetupLines(running.ownerSetupLink),
        '',
      ].join('\n'),
    );
    for (const warning of publicAddressWarnings(config, { account: true, bridge: false }))
      logger.warn(warning);
    stopOnSignals(() => running.close(), logger);
  });

  const bridge = program.command('bridge').description('the SCIM bridge that IdPs talk to');
  withServerFlags(
    withScimLimitFlags(
      withLogBufferFlag(bridge.command('serve'))
        .description('run a bridge alone; it reaches the account server over the account API')
        .option(
          '--session <file>',
          'the session file (SCIMBRIDGE_SESSION; or base64 in SCIMBRIDGE_SESSION_B64, or a mounted secret named scimsession)',
        )
        .option(
          '--token-file <file>',
          'the bearer token, read at start: unlocks the session file and starts the provision watcher at boot (SCIMBRIDGE_TOKEN_FILE)',
        )
        .option(
          '--account-url <url>',
          "the account server's address; default: the one in the session file (SCIMBRIDGE_ACCOUNT_URL)",
        )
        .option('--bridge-port <port>', 'port for SCIM and /ping (SCIMBRIDGE_BRIDGE_PORT, default 3002)')
        .option('--public-url <url>', "the bridge's address as IdPs reach it (SCIMBRIDGE_PUBLIC_URL)"),
    ),
  ).action(async (options: Record<string, unknown>) => {
    const config = loadConfig(process.env, flagsOf(options));
    const { logger, recentLogs } = createBridgeLogger({
      level: config.logLevel,
      format: config.logFormat,
      recentLines: config.logBufferLines,
    });
    const running = await startingUp(config, () => startBridgeService(config, { logger, recentLogs }));
    logger.info(
      {
        sessionSource: running.verifier.sessionSource,
        accountUrl: config.accountUrlOverride ?? 'from the session file',
      },
      'bridge started',
    );
    process.stdout.write(
      `scimbridge bridge is running at ${running.address} (SCIM base URL ${config.publicBridgeUrl}/scim/v2)\n`,
    );
    for (const warning of publicAddressWarnings(config, { account: false, bridge: true }))
      logger.warn(warning);
    stopOnSignals(() => running.close(), logger);
  });
}
