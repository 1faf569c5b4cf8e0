/**
 * `scimbridge account serve` and `scimbridge bridge serve`: each service alone, the
 * production shape (DESIGN.md): the account server in one place, bridges next to the IdP or
 * behind a load balancer, talking to the account over its HTTP API.
 */
import type { Command } from 'commander';
import { loadConfig } from '../../config.ts';
import { createLogger } from '../../logging.ts';
import { startAccountService, startBridgeService } from '../../main.ts';
import { stopOnSignals } from '../lifecycle.ts';
import { flagsOf, withStorageFlags } from '../options.ts';

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
      account
        .command('serve')
        .description('run the account server alone: console and the account API that bridges sign in to')
        .option('--console-port <port>', 'account server port (SCIMBRIDGE_CONSOLE_PORT, default 8080)')
        .option(
          '--public-url <url>',
          "the bridge's address as IdPs reach it, shown on the overview (SCIMBRIDGE_PUBLIC_URL)",
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
        .option('--account-url <url>', "the account server's public address (SCIMBRIDGE_ACCOUNT_URL)")
        .option(
          '--smtp-url <url>',
          'smtp:// or smtps:// mail server; put credentials in SCIMBRIDGE_SMTP_URL instead (SCIMBRIDGE_SMTP_URL)',
        )
        .option('--mail-from <address>', 'From header of every mail (SCIMBRIDGE_MAIL_FROM)')
        .option(
          '--smtp-require-tls <true|false>',
          'with smtp://, send only after STARTTLS (SCIMBRIDGE_SMTP_REQUIRE_TLS, default true)',
        )
        .option(
          '--smtp-pool-size <count>',
          'SMTP connections kept open (SCIMBRIDGE_SMTP_POOL_SIZE, default 5)',
        )
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
    ),
  ).action(async (options: Record<string, unknown>) => {
    const config = loadConfig(process.env, flagsOf(options));
    const logger = createLogger({ level: config.logLevel, format: config.logFormat });
    const running = await startAccountService(config, { logger });
    process.stdout.write(
      `scimbridge account server is running at ${running.address} (account API ${running.address}/api/v1)\n`,
    );
    stopOnSignals(() => running.close(), logger);
  });

  const bridge = program.command('bridge').description('the SCIM bridge that IdPs talk to');
  withServerFlags(
    bridge
      .command('serve')
      .description('run a bridge alone; it reaches the account server over the account API')
      .option(
        '--session <file>',
        'the session file (SCIMBRIDGE_SESSION; or base64 in SCIMBRIDGE_SESSION_B64, or a mounted secret named scimsession)',
      )
      .option(
        '--account-url <url>',
        "the account server's address; default: the one in the session file (SCIMBRIDGE_ACCOUNT_URL)",
      )
      .option('--bridge-port <port>', 'port for SCIM and /ping (SCIMBRIDGE_BRIDGE_PORT, default 3002)')
      .option('--public-url <url>', "the bridge's address as IdPs reach it (SCIMBRIDGE_PUBLIC_URL)")
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
      ),
  ).action(async (options: Record<string, unknown>) => {
    const config = loadConfig(process.env, flagsOf(options));
    const logger = createLogger({ level: config.logLevel, format: config.logFormat });
    const running = await startBridgeService(config, { logger });
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
    stopOnSignals(() => running.close(), logger);
  });
}
