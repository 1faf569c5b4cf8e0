/**
 * `scimbridge provisioning setup|deactivate|transfer-groups`: credentials for scripts and CI,
 * without the console, and moving an integration (P20).
 */
import type { Command } from 'commander';
import { deactivateProvisioning } from '../../account/deactivate-provisioning.ts';
import { AccountError } from '../../account/errors.ts';
import {
  listPreviousIntegrationGroups,
  transferManagedGroups,
} from '../../account/transfer-managed-groups.ts';
import { randomIds, systemClock } from '../../clock.ts';
import { storageArgs } from '../../command-hints.ts';
import { loadConfig } from '../../config.ts';
import { openStore } from '../../storage/open-store.ts';
import { commandLineActor } from '../actor.ts';
import { fail } from '../fail.ts';
import { flagsOf, withStorageFlags } from '../options.ts';
import { writeJson } from '../output.ts';
import { clean, table } from '../terminal.ts';
import { run } from './people.ts';
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
      )
      .option(
        '--new-integration',
        're-create the integration for a new IdP app: its managed groups wait for transfer-groups (P20)',
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
        newIntegration: options.newIntegration === true,
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

  withStorageFlags(
    provisioning
      .command('transfer-groups')
      .description(
        'hand the managed groups of a previous integration to the current one, so the new IdP app takes them over by name (P20)',
      )
      .option('--dry-run', 'only list the groups that would be transferred')
      .option('--json', 'print the groups as JSON'),
  ).action((options: Record<string, unknown>) =>
    run(options, async ({ deps }) => {
      if (options.dryRun === true) {
        const waiting = await listPreviousIntegrationGroups(deps);
        if (options.json === true) {
          writeJson(
            waiting.map(({ group, memberCount, integrationId }) => ({
              ...group,
              memberCount,
              integrationId,
            })),
          );
          return;
        }
        process.stdout.write(
          waiting.length === 0
            ? 'No managed groups of a previous integration are waiting for a transfer.\n'
            : table([
                ['NAME', 'MEMBERS', 'PREVIOUS INTEGRATION', 'ID'],
                ...waiting.map(({ group, memberCount, integrationId }) => [
                  clean(group.displayName),
                  String(memberCount),
                  integrationId,
                  group.id,
                ]),
              ]),
        );
        return;
      }
      const moved = await transferManagedGroups(deps, commandLineActor());
      if (options.json === true) {
        writeJson({ integrationId: moved.integrationId, groups: moved.groups });
        return;
      }
      const count = moved.groups.length;
      process.stdout.write(
        `Transferred ${count} group${count === 1 ? '' : 's'} to integration ${moved.integrationId}: ` +
          `${moved.groups.map((group) => clean(group.displayName)).join(', ')}. The IdP finds them by name on its next push.\n`,
      );
    }),
  );
}
