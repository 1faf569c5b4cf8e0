/**
 * `scimbridge member resend|reinvite|signup`. Resend and re-invite work on the database
 * directly, so they work whether or not the server runs; the new link goes to the outbox
 * (and to stdout only with --print-link, for setups without mail). Sign-up speaks HTTP to
 * the account server, like the page.
 */
import type { Command } from 'commander';
import { AccountError } from '../../account/errors.ts';
import { reinviteMember } from '../../account/reinvite-member.ts';
import { type InvitationSent, resendInvitation } from '../../account/resend-invitation.ts';
import { SignupError } from '../../account/signup-errors.ts';
import { randomIds, systemClock } from '../../clock.ts';
import { ConfigError, loadConfig } from '../../config.ts';
import { openOutboxKey, signupSettingsOf } from '../../main.ts';
import { fail } from '../fail.ts';
import { flagsOf, withStorageFlags } from '../options.ts';
import { withConfiguredStore } from '../store-command.ts';
import { MemberSignupError, readPasswordFile, runMemberSignup } from './member-signup.ts';

function invitationCommand(
  parent: Command,
  name: string,
  description: string,
  run: typeof resendInvitation,
  done: (sent: InvitationSent) => string,
): void {
  withStorageFlags(
    parent
      .command(name)
      .description(description)
      .requiredOption('--email <address>', "the member's e-mail address")
      .option('--print-link', 'also print the new sign-up link (it is a secret; for setups without mail)')
      .option(
        '--account-url <url>',
        "the account server's public address, which links start with (SCIMBRIDGE_ACCOUNT_URL)",
      )
      .option(
        '--invitation-validity-hours <hours>',
        'how long the link works (SCIMBRIDGE_INVITATION_VALIDITY_HOURS, default 168)',
      ),
  ).action(async (options: Record<string, unknown>) => {
    const { email, printLink, ...rest } = options;
    const config = loadConfig(process.env, flagsOf(rest));
    // The invitation mail's link is sealed with the account server's outbox key. With
    // SQLite the data directory is the server's, so the key may be made here; a PostgreSQL
    // database is shared with servers elsewhere, whose key this command must use.
    const outboxKey = openOutboxKey(config, { create: config.databaseUrl === undefined });
    if (outboxKey === undefined) {
      throw new ConfigError(
        "no outbox key to seal the invitation link with: set SCIMBRIDGE_OUTBOX_KEY to the account server's, or pass the --data-dir that holds its outbox.key",
      );
    }
    const outboxSeal = outboxKey.seal;
    await withConfiguredStore(config, [SignupError, AccountError], async (store) => {
      const sent = await run(
        { store, clock: systemClock, ids: randomIds, signup: signupSettingsOf(config), outboxSeal },
        String(email),
      );
      process.stdout.write(`${done(sent)}\n`);
      if (printLink === true) process.stdout.write(`${sent.link}\n`);
    });
  });
}

export function registerMemberCommands(program: Command): void {
  const member = program.command('member').description('invitations and sign-up of team members');

  invitationCommand(
    member,
    'resend',
    'send an invited member a new sign-up link while their invitation still works (the old link stops working)',
    resendInvitation,
    (sent) =>
      `A new invitation for ${sent.member.email} is in the outbox; the link works until ${sent.expiresAt}. The earlier link no longer works.`,
  );
  invitationCommand(
    member,
    'reinvite',
    'invite a member again whose invitation went nowhere (expired, revoked, or its e-mail failed)',
    reinviteMember,
    (sent) =>
      `${sent.member.email} is invited again; the new link is in the outbox and works until ${sent.expiresAt}.`,
  );

  member
    .command('signup')
    .description('sign up from an invitation link, as the sign-up page does (for scripts and tests)')
    .requiredOption('--invite-link <url>', 'the sign-up link from the invitation e-mail')
    .requiredOption('--password-file <file>', 'a file holding the new password (- for stdin)')
    .action(async (options: { inviteLink: string; passwordFile: string }) => {
      try {
        const password = await readPasswordFile(options.passwordFile);
        const outcome = await runMemberSignup({ link: options.inviteLink, password });
        process.stdout.write(
          `Signed up to ${outcome.accountName} as ${outcome.email}; the account is ${outcome.state} until the bridge confirms it.\n`,
        );
      } catch (error) {
        if (error instanceof MemberSignupError) fail(error.message);
        throw error;
      }
    });
}
