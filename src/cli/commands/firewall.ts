/**
 * `scimbridge firewall …`: the account's firewall rules for bridge connections (P4), straight
 * on the database like `provisioning setup`. A running account server applies a change
 * within a second.
 */

import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { AccountError } from '../../account/errors.ts';
import { formatIpAddress, parseIpAddress } from '../../account/firewall/cidr.ts';
import { compileFirewall } from '../../account/firewall/evaluate.ts';
import {
  addFirewallRule,
  type NewFirewallRule,
  removeFirewallRule,
} from '../../account/firewall/manage-rules.ts';
import {
  EMPTY_NETWORK_LIST,
  NetworkListError,
  parseNetworkList,
} from '../../account/firewall/network-list.ts';
import type { FirewallRule } from '../../account/model.ts';
import type { Store } from '../../account/store.ts';
import { randomIds, systemClock } from '../../clock.ts';
import { type Config, loadConfig } from '../../config.ts';
import { fail } from '../fail.ts';
import { flagsOf, withStorageFlags } from '../options.ts';
import { withConfiguredStore } from '../store-command.ts';

function withStore(
  options: Record<string, unknown>,
  work: (store: Store, config: Config) => Promise<void>,
): Promise<void> {
  const config = loadConfig(process.env, flagsOf(options));
  return withConfiguredStore(config, [AccountError, NetworkListError], (store) => work(store, config));
}

function describeRule(rule: FirewallRule): string {
  const what =
    rule.kind === 'listed_networks' ? 'deny   listed networks' : `${rule.action.padEnd(6)} ${rule.cidr}`;
  return `${rule.id}  ${what}${rule.note ? `  # ${rule.note}` : ''}`;
}

export function registerFirewallCommands(program: Command): void {
  const firewall = program
    .command('firewall')
    .description('which addresses may connect a bridge to the account (allow/deny by address range)');

  withStorageFlags(firewall.command('list').description('show the rules, oldest first')).action(
    async (options: Record<string, unknown>) =>
      withStore(options, async (store) => {
        const rules = await store.listFirewallRules();
        if (rules.length === 0) {
          process.stdout.write('No firewall rules: bridges may connect from any address.\n');
          return;
        }
        process.stdout.write(`${rules.map(describeRule).join('\n')}\n`);
      }),
  );

  const add = (action: 'allow' | 'deny') =>
    withStorageFlags(
      firewall
        .command(`${action} <range>`)
        .description(
          action === 'allow'
            ? 'allow bridges from an IPv4 or IPv6 range (CIDR, or one address); with any allow rule, other addresses are refused'
            : 'refuse bridges from an IPv4 or IPv6 range (CIDR, or one address)',
        )
        .option('--note <text>', 'why the rule exists (shown by list)'),
    ).action(async (range: string, options: Record<string, unknown>) =>
      withStore(options, async (store) => {
        const input: NewFirewallRule = {
          kind: 'range',
          action,
          cidr: range,
          note: typeof options.note === 'string' ? options.note : undefined,
        };
        const rule = await addFirewallRule({ store, clock: systemClock, ids: randomIds }, input);
        process.stdout.write(`Added: ${describeRule(rule)}\n`);
      }),
    );
  add('allow');
  add('deny');

  withStorageFlags(
    firewall
      .command('deny-listed-networks')
      .description('refuse bridges from the cloud-provider and anonymising networks in the network list')
      .option('--note <text>', 'why the rule exists (shown by list)'),
  ).action(async (options: Record<string, unknown>) =>
    withStore(options, async (store, config) => {
      const rule = await addFirewallRule(
        { store, clock: systemClock, ids: randomIds },
        { kind: 'listed_networks', note: typeof options.note === 'string' ? options.note : undefined },
      );
      process.stdout.write(`Added: ${describeRule(rule)}\n`);
      if (config.networkListFile === undefined) {
        process.stdout.write(
          'Note: give the account server its network list with --network-list or SCIMBRIDGE_NETWORK_LIST; without one this rule blocks nothing.\n',
        );
      }
    }),
  );

  withStorageFlags(
    firewall.command('remove <rule-id>').description('remove a rule (ids are shown by list)'),
  ).action(async (id: string, options: Record<string, unknown>) =>
    withStore(options, async (store) => {
      if (!(await removeFirewallRule({ store, clock: systemClock, ids: randomIds }, id))) {
        fail(`there is no firewall rule with id "${id}" (see scimbridge firewall list)`);
      }
      process.stdout.write(`Removed rule ${id}.\n`);
    }),
  );

  withStorageFlags(
    firewall
      .command('check <address>')
      .description('say whether a bridge connecting from this address would be let in, and by which rule')
      .option('--network-list <file>', 'the network list the account server uses (SCIMBRIDGE_NETWORK_LIST)'),
  ).action(async (addressText: string, options: Record<string, unknown>) =>
    withStore(options, async (store, config) => {
      const address = parseIpAddress(addressText);
      if (address === undefined) fail(`"${addressText}" is not an IPv4 or IPv6 address`);
      const list =
        config.networkListFile === undefined
          ? EMPTY_NETWORK_LIST
          : parseNetworkList(await readFile(config.networkListFile, 'utf8'), config.networkListFile);
      const decision = compileFirewall(await store.listFirewallRules(), list).decide(address);
      process.stdout.write(
        decision.allowed
          ? `${formatIpAddress(address)} is allowed.\n`
          : `${formatIpAddress(address)} is blocked by ${decision.reason}.\n`,
      );
    }),
  );
}
