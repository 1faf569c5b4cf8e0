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
