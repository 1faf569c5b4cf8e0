/**
 * `scimbridge monitoring …`: monitoring tokens (status-only credentials for `/health` and
 * `/metrics`) and who gets the bridge offline/online notices.
 */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { AccountError } from '../../account/errors.ts';
import { getMonitoringSwitch, setMonitoringSwitch } from '../../account/monitor/monitoring-switch.ts';
import {
  listNotificationRecipients,
  setNotificationRecipients,
} from '../../account/monitor/notification-recipients.ts';
import { createMonitoringToken, revokeMonitoringToken } from '../../account/monitoring-tokens.ts';
import type { Store } from '../../account/store.ts';
import { randomIds, systemClock } from '../../clock.ts';
import { loadConfig } from '../../config.ts';
import { flagsOf, withStorageFlags } from '../options.ts';
import { withConfiguredStore } from '../store-command.ts';

function withStore(options: Record<string, unknown>, work: (store: Store) => Promise<void>): Promise<void> {
  return withConfiguredStore(loadConfig(process.env, flagsOf(options)), [AccountError], work);
}

export function registerMonitoringCommands(program: Command): void {
  const monitoring = program
    .command('monitoring')
    .description('monitoring tokens for /health and /metrics, and who gets bridge notices');
  const token = monitoring.command('token').description('status-only tokens for monitors');

  withStorageFlags(
    token
      .command('create')
      .description('make a monitoring token: it reads /health and /metrics and nothing else')
      .requiredOption('--label <text>', 'what it is for, e.g. "prometheus"')
      .requiredOption('--token-out <file>', 'where to write the token (- for stdout)'),
  ).action(async (options: Record<string, unknown>) => {
    await withStore(options, async (store) => {
      const { token: text, record } = await createMonitoringToken(
        { store, clock: systemClock, ids: randomIds },
        String(options.label),
      );
      const out = String(options.tokenOut);
      if (out === '-') {
        process.stdout.write(`${text}\n`);
        process.stderr.write(`Monitoring token ${record.id} (${record.label}) created. It is shown once.\n`);
      } else {
        await writeFile(out, `${text}\n`, { mode: 0o600 });
        process.stdout.write(`Monitoring token ${record.id} (${record.label}) written to ${out}.\n`);
      }
    });
  });

  withStorageFlags(
    token.command('list').description('list monitoring tokens (never the tokens themselves)'),
  ).action(async (options: Record<string, unknown>) => {
    await withStore(options, async (store) => {
      const tokens = await store.listMonitoringTokens();
      if (tokens.length === 0) process.stdout.write('No monitoring tokens.\n');
      for (const entry of tokens) process.stdout.write(`${entry.id}  ${entry.createdAt}  ${entry.label}\n`);
    });
  });

  withStorageFlags(
    token
      .command('revoke')
      .description('revoke a monitoring token by id')
      .argument('<id>', 'the id from `list`'),
  ).action(async (id: string, options: Record<string, unknown>) => {
    await withStore(options, async (store) => {
      const removed = await revokeMonitoringToken({ store, clock: systemClock, ids: randomIds }, id);
      if (removed) {
        process.stdout.write(
          `Monitoring token ${id} revoked (bridges stop accepting it within 30 seconds).\n`,
        );
      } else {
        process.stderr.write(`scimbridge: no monitoring token with id ${id}\n`);
        process.exitCode = 1;
      }
    });
  });

  withStorageFlags(
    monitoring
      .command('recipients')
      .description(
        'show, or set, who is e-mailed when a bridge goes offline or comes back (default: the owners)',
      )
      .argument('[emails...]', 'the new list; replaces the old one')
      .option('--clear', 'remove every recipient (the owners are told again)'),
  ).action(async (emails: string[], options: Record<string, unknown>) => {
    await withStore(options, async (store) => {
      const deps = { store, clock: systemClock, ids: randomIds };
      if (options.clear === true || emails.length > 0) {
        await setNotificationRecipients(deps, options.clear === true ? [] : emails);
      }
      const current = await listNotificationRecipients(deps);
      process.stdout.write(
        current.length === 0
          ? 'No notification recipients: the account owners get bridge notices.\n'
          : `Bridge notices go to: ${current.join(', ')}\n`,
      );
    });
  });

  for (const state of ['on', 'off'] as const) {
    withStorageFlags(
      monitoring
        .command(state)
        .description(
          `turn the health monitor ${state} (the bridges it watches stay SCIMBRIDGE_MONITOR_BRIDGES)`,
        ),
    ).action(async (options: Record<string, unknown>) => {
      await withStore(options, async (store) => {
        const deps = { store, clock: systemClock, ids: randomIds };
        await setMonitoringSwitch(deps, state === 'on');
        const now = await getMonitoringSwitch(deps);
        process.stdout.write(
          now.enabled
            ? 'Health monitoring is on: the next round checks the bridges.\n'
            : 'Health monitoring is off: no checks and no notices until it is on again.\n',
        );
      });
    });
  }
}
