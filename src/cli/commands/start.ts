/** `scimbridge start`: account server and bridge in one process (the default deployment for small teams). */
import type { Command } from 'commander';
import { describeSmtpUrl } from '../../account/mail/smtp-url.ts';
import { loadConfig } from '../../config.ts';
import { createLogger } from '../../logging.ts';
import { startSystem } from '../../main.ts';
import { stopOnSignals } from '../lifecycle.ts';
import { flagsOf, withStorageFlags } from '../options.ts';

export function registerStartCommand(program: Command): void {
  withStorageFlags(
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
      .option('--session-path <file>', 'session file (SCIMBRIDGE_SESSION, default <data-dir>/scimsession)')
      .option(
        '--log-level <level>',
        'fatal, error, warn, info, debug, trace or silent (SCIMBRIDGE_LOG_LEVEL)',
      )
      .option('--log-format <format>', 'json or pretty (SCIMBRIDGE_LOG_FORMAT)')
      .option(
        '--account-name <name>',
        'name of the team account created at first start (SCIMBRIDGE_ACCOUNT_NAME)',
      )
      .option('--owner-email <address>', 'owner created at first start (SCIMBRIDGE_OWNER_EMAIL)')
      .option(
        '--max-body-bytes <bytes>',
        'largest request body the bridge accepts (SCIMBRIDGE_MAX_BODY_BYTES)',
      )
      .option('--max-page-size <count>', 'largest page a SCIM list returns (SCIMBRIDGE_MAX_PAGE_SIZE)')
      .option(
        '--bulk-max-operations <count>',
        'most operations in one Bulk request (SCIMBRIDGE_BULK_MAX_OPERATIONS)',
      )
      .option(
        '--confirmation-interval <seconds>',
        'seconds between provision watcher runs, at least 30 (SCIMBRIDGE_CONFIRMATION_INTERVAL, default 300)',
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
      )
      .option(
        '--smtp-url <url>',
        'smtp:// or smtps:// mail server; put credentials in SCIMBRIDGE_SMTP_URL instead (SCIMBRIDGE_SMTP_URL)',
      )
      .option('--mail-from <address>', 'From header of every mail (SCIMBRIDGE_MAIL_FROM)')
      .option(
        '--smtp-require-tls <true|false>',
        'with smtp://, send only after STARTTLS (SCIMBRIDGE_SMTP_REQUIRE_TLS, default true)',
      )
      .option('--smtp-pool-size <count>', 'SMTP connections kept open (SCIMBRIDGE_SMTP_POOL_SIZE, default 5)')
      .option(
        '--invitation-validity-hours <hours>',
        'how long an invitation link works (SCIMBRIDGE_INVITATION_VALIDITY_HOURS, default 168)',
      )
      .option(
        '--member-session-hours <hours>',
        "how long a member's sign-in lasts (SCIMBRIDGE_MEMBER_SESSION_HOURS, default 12)",
      )
      .option(
        '--password-iterations <count>',
        'PBKDF2 iterations for new members (SCIMBRIDGE_PASSWORD_ITERATIONS, default 600000; lower only in tests)',
      ),
  ).action(async (options: Record<string, unknown>) => {
    const config = loadConfig(process.env, flagsOf(options));
    const logger = createLogger({ level: config.logLevel, format: config.logFormat });
    const system = await startSystem(config, { logger });
    const integration = await system.store.getIntegration();
    process.stdout.write(
      [
        'scimbridge is running',
        `  account server: ${system.accountAddress}`,
        `  bridge:         ${system.bridgeAddress}  (SCIM base URL ${config.publicBridgeUrl}/scim/v2)`,
        `  data:           ${config.databaseUrl ? 'PostgreSQL' : config.dataDir}`,
        config.smtpUrl === undefined
          ? '  e-mail:         no SMTP server set (SCIMBRIDGE_SMTP_URL): mail stays queued; see npx scimbridge mail list'
          : `  e-mail:         ${describeSmtpUrl(config.smtpUrl)}`,
        integration?.state === 'active'
          ? ''
          : '  provisioning is off: npx scimbridge provisioning setup --session-out ./scimsession --token-out ./token',
        '',
      ].join('\n'),
    );
    stopOnSignals(() => system.close(), logger);
  });
}
