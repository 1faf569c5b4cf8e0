/** `scimbridge provisioning setup|deactivate`: credentials for scripts and CI, without the console. */
import type { Command } from 'commander';
import { deactivateProvisioning } from '../../account/deactivate-provisioning.ts';
import { AccountError } from '../../account/errors.ts';
import { randomIds, systemClock } from '../../clock.ts';
import { storageArgs } from '../../command-hints.ts';
import { loadConfig } from '../../config.ts';
import { openStore } from '../../storage/open-store.ts';
import { fail } from '../fail.ts';
import { flagsOf, withStorageFlags } from '../options.ts';
import { ProvisioningSetupError, runProvisioningSetup } from './provisioning-setup.ts';

export function registerProvisioningCommands(program: Command): void {
  const provisioning = program
    .command('provisioning')
    .description('turn provisioning on or off for the account');

  withStorageFlags(
    provisioning
      .command('setup')
      .description(
        'turn provisioning on and write a new bearer token and session file (old ones stop working)',
      )
      .requiredOption('--token-out <file>', 'where to write the bearer token for your IdP (- for stdout)')
      .option(
        '--session-out <file>',
        'also write the session file here (it always goes to <data-dir>/scimsession)',
      )
      .option(
        '--account-url <url>',
        "the account server's address that the session file names (SCIMBRIDGE_ACCOUNT_URL)",
      ),
  ).action(async (options: Record<string, unknown>) => {
    const config = loadConfig(process.env, flagsOf(options));
    const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    try {
      await runProvisioningSetup({
        store,
        clock: systemClock,
        ids: randomIds,
        accountUrl: config.accountUrl,
        sessionOut: typeof options.sessionOut === 'string' ? options.sessionOut : undefined,
        tokenOut: String(options.tokenOut),
        dataDir: config.dataDir,
        stdout: process.stdout,
        stderr: process.stderr,
      });
    } catch (error) {
      if (error instanceof ProvisioningSetupError || error instanceof AccountError) fail(error.message);
      throw error;
    } finally {
      await store.close();
    }
  });

  withStorageFlags(
    provisioning
      .command('deactivate')
      .description('turn provisioning off: every IdP request is refused until setup is run again'),
  ).action(async (options: Record<string, unknown>) => {
    const config = loadConfig(process.env, flagsOf(options));
    const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    try {
      const integration = await deactivateProvisioning({ store, clock: systemClock, ids: randomIds });
      process.stdout.write(
        integration === undefined
          ? 'Provisioning was never set up; nothing to turn off.\n'
          : `Provisioning is off. IdP requests are refused until \`scimbridge provisioning setup${storageArgs(config)} --token-out <file>\` is run again.\n`,
      );
    } finally {
      await store.close();
    }
  });
}
