/**
 * `scimbridge owner setup-link`: a fresh one-time link for the owner to set their name and
 * password (owner-setup.ts), for when the one printed at the first start was lost or
 * expired. Works on the database directly, whether or not the server runs; the earlier
 * link stops working.
 */
import type { Command } from 'commander';
import { AccountError } from '../../account/errors.ts';
import { issueOwnerSetupLink } from '../../account/owner-setup.ts';
import { SignupError } from '../../account/signup-errors.ts';
import { randomIds, systemClock } from '../../clock.ts';
import { loadConfig } from '../../config.ts';
import { signupSettingsOf } from '../../main.ts';
import { flagsOf, withStorageFlags } from '../options.ts';
import { withConfiguredStore } from '../store-command.ts';

/** What `start` and `account serve` print at the first start. */
export function ownerSetupLines(link: string | undefined): string[] {
  if (link === undefined) return [];
  return [
    '',
    "Set up the owner: open this link in a browser to choose the owner's name and password (it works once):",
    `  ${link}`,
    'Lost it? npx scimbridge owner setup-link prints a new one.',
  ];
}

export function registerOwnerCommands(program: Command): void {
  const owner = program.command('owner').description("the account's owner");
  withStorageFlags(
    owner
      .command('setup-link')
      .description(
        'print a new one-time link for the owner to set their name and password (the earlier one stops working)',
      )
      .option(
        '--account-url <url>',
        "the account server's public address, which the link starts with (SCIMBRIDGE_ACCOUNT_URL)",
      )
      .option(
        '--invitation-validity-hours <hours>',
        'how long the link works (SCIMBRIDGE_INVITATION_VALIDITY_HOURS, default 168)',
      ),
  ).action(async (options: Record<string, unknown>) => {
    const config = loadConfig(process.env, flagsOf(options));
    await withConfiguredStore(config, [SignupError, AccountError], async (store) => {
      const {
        owner: member,
        link,
        expiresAt,
      } = await issueOwnerSetupLink({
        store,
        clock: systemClock,
        ids: randomIds,
        signup: signupSettingsOf(config),
      });
      process.stdout.write(
        `Open this link to set up the owner ${member.email} (it works once, until ${expiresAt}):\n${link}\n`,
      );
    });
  });
}
