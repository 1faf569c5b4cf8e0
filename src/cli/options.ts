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
  return command.option(
    '--log-buffer-lines <count>',
    'recent log lines the bridge keeps for the status page download; 0 = stdout only (SCIMBRIDGE_LOG_BUFFER_LINES)',
  );
}
