/** Flags shared by several commands. */
import type { Command } from 'commander';
import type { ConfigFlags } from '../config.ts';

/** The flags every command that opens the database accepts. */
export function withStorageFlags(command: Command): Command {
  return command
    .option('--data-dir <dir>', 'where the embedded database and session file live (SCIMBRIDGE_DATA_DIR)')
    .option('--database-url <url>', 'PostgreSQL URL instead of the embedded SQLite (DATABASE_URL)');
}

/** Flags whose names read better on a command line than the config key they set. */
const FLAG_ALIASES: Record<string, keyof ConfigFlags> = {
  publicUrl: 'publicBridgeUrl',
  monitorInterval: 'monitorIntervalSeconds',
  monitorNoticeInterval: 'monitorNoticeIntervalMinutes',
  monitorBridges: 'monitorBridgeUrls',
  session: 'sessionPath',
  networkList: 'networkListFile',
};

export function flagsOf(options: Record<string, unknown>): ConfigFlags {
  const flags: ConfigFlags = {};
  for (const [key, value] of Object.entries(options)) {
    if (typeof value === 'string' || typeof value === 'boolean') {
      (flags as Record<string, unknown>)[FLAG_ALIASES[key] ?? key] = value;
    }
  }
  return flags;
}

/** The account server's health monitor settings (P7), for `start` and `account serve`. */
export function withMonitorFlags(command: Command): Command {
  return command
    .option('--monitor', "turn on the account server's bridge health monitor (SCIMBRIDGE_MONITOR)")
    .option('--monitor-interval <seconds>', 'seconds between health checks (SCIMBRIDGE_MONITOR_INTERVAL)')
    .option(
      '--monitor-failures <count>',
      'failed checks in a row before a bridge counts as offline (SCIMBRIDGE_MONITOR_FAILURES)',
    )
    .option(
      '--monitor-notice-interval <minutes>',
      'least time between two notices about one bridge (SCIMBRIDGE_MONITOR_NOTICE_INTERVAL)',
    )
    .option(
      '--monitor-bridges <urls>',
      'comma-separated bridge addresses to watch; default the public URL (SCIMBRIDGE_MONITOR_BRIDGES)',
    );
}

/** The bridge's recent-lines buffer for the status page's log download, for `start` and `bridge serve`. */
export function withLogBufferFlag(command: Command): Command {
  return command
    .option(
      '--log-buffer-lines <count>',
      'recent log lines the bridge keeps for the status page download; 0 = stdout only (SCIMBRIDGE_LOG_BUFFER_LINES)',
    )
    .option(
      '--idp-cycles <idp=minutes,…>',
      "each IdP's usual cycle; longer silence is flagged on the status page, e.g. entra=40,okta=1440 (SCIMBRIDGE_IDP_CYCLES)",
    );
}

/** Mail delivery and member sign-in settings, for `start` and `account serve`. */
export function withMailFlags(command: Command): Command {
  return command
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
    );
}

/** The bridge's SCIM request limits and provision watcher pace, for `start` and `bridge serve`. */
export function withScimLimitFlags(command: Command): Command {
  return command
    .option('--max-body-bytes <bytes>', 'largest request body the bridge accepts (SCIMBRIDGE_MAX_BODY_BYTES)')
    .option('--max-page-size <count>', 'largest page a SCIM list returns (SCIMBRIDGE_MAX_PAGE_SIZE)')
    .option(
      '--bulk-max-operations <count>',
      'most operations in one Bulk request (SCIMBRIDGE_BULK_MAX_OPERATIONS)',
    )
    .option(
      '--confirmation-interval <seconds>',
      'seconds between provision watcher runs, at least 30 (SCIMBRIDGE_CONFIRMATION_INTERVAL, default 300)',
    );
}
