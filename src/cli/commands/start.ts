/** `scimbridge start`: account server and bridge in one process (the default deployment for small teams). */
import type { Command } from 'commander';
import { describeSmtpUrl } from '../../account/mail/smtp-url.ts';
import { provisioningSetupHint, storageArgs } from '../../command-hints.ts';
import { loadConfig } from '../../config.ts';
import { createBridgeLogger } from '../../logging.ts';
import { startSystem } from '../../main.ts';
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
import { checkDistinctPorts, startingUp } from '../startup-failure.ts';
import { ownerSetupLines } from './owner.ts';

export function registerStartCommand(program: Command): void {
  withStorageFlags(
    withMailFlags(
      withMonitorFlags(
        withLogBufferFlag(
          withScimLimitFlags(
            program
              .command('start')
              .description('run the account server and the bridge in one process')
              .option('--host <address>', 'address to listen on (SCIMBRIDGE_HOST, default 127.0.0.1)')
              .option(
                '--console-port <port>',
                'account server and console port (SCIMBRIDGE_CONSOLE_PORT, default 8080)',
              )
              .option(
                '--bridge-port <port>',
                'bridge port: status page and SCIM (SCIMBRIDGE_BRIDGE_PORT, default 3002)',
              )
              .option('--public-url <url>', "the bridge's address as IdPs reach it (SCIMBRIDGE_PUBLIC_URL)")
              .option('--account-url <url>', "the account server's public address (SCIMBRIDGE_ACCOUNT_URL)")
              .option(
                '--session-path <file>',
                'session file (SCIMBRIDGE_SESSION, default <data-dir>/scimsession)',
              )
              .option(
                '--token-file <file>',
                'the bearer token, read at start: unlocks the session file and starts the provision watcher at boot (SCIMBRIDGE_TOKEN_FILE)',
              )
              .option(
                '--log-level <level>',
                'fatal, error, warn, info, debug, trace or silent (SCIMBRIDGE_LOG_LEVEL)',
              )
              .option('--log-format <format>', 'json or pretty (SCIMBRIDGE_LOG_FORMAT)')
              .option(
                '--account-name <name>',
                'name of the team account created at first start (SCIMBRIDGE_ACCOUNT_NAME)',
              )
              .option('--owner-email <address>', 'owner created at first start (SCIMBRIDGE_OWNER_EMAIL)'),
          )
            .option(
              '--trust-proxy [proxies]',
              'take the client address from X-Forwarded-For; optionally only from these comma-separated proxy addresses or ranges (SCIMBRIDGE_TRUST_PROXY)',
            )
            .option(
              '--tls-cert <file>',
              'PEM certificate: serve HTTPS on both ports (SCIMBRIDGE_TLS_CERT, with --tls-key)',
            )
            .option('--tls-key <file>', 'PEM private key of --tls-cert (SCIMBRIDGE_TLS_KEY)')
            .option(
              '--network-list <file>',
              'cloud and anonymising networks for the firewall rule "deny listed networks" (SCIMBRIDGE_NETWORK_LIST)',
            ),
        ),
      ),
    ),
  ).action(async (options: Record<string, unknown>) => {
    const config = loadConfig(process.env, flagsOf(options));
    checkDistinctPorts(config);
    const { logger, recentLogs } = createBridgeLogger({
      level: config.logLevel,
      format: config.logFormat,
      recentLines: config.logBufferLines,
    });
    const system = await startingUp(config, () => startSystem(config, { logger, recentLogs }));
    const integration = await system.store.getIntegration();
    process.stdout.write(
      [
        'scimbridge is running',
        `  account server: ${system.accountAddress}`,
        `  bridge:         ${system.bridgeAddress}  (SCIM base URL ${config.publicBridgeUrl}/scim/v2)`,
        `  data:           ${config.databaseUrl ? 'PostgreSQL' : config.dataDir}`,
        config.smtpUrl === undefined
          ? `  e-mail:         no SMTP server set (SCIMBRIDGE_SMTP_URL): mail stays queued; see npx scimbridge mail list${storageArgs(config)}`
          : `  e-mail:         ${describeSmtpUrl(config.smtpUrl)}`,
        integration?.state === 'active'
          ? ''
          : `  provisioning is off: turn it on in the console's Provisioning page (${config.accountUrl.replace(/\/+$/, '')}/provisioning), or ${provisioningSetupHint(config)}`,
        ...ownerSetupLines(system.ownerSetupLink),
        '',
      ].join('\n'),
    );
    for (const warning of publicAddressWarnings(config, { account: true, bridge: true }))
      logger.warn(warning);
    stopOnSignals(() => system.close(), logger);
  });
}
