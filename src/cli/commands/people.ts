/**
 * `scimbridge member list|show|suspend|reactivate|delete|promote|demote`: the console's people page for
 * scripts (issue 11). Each command opens the account's database, calls one use case and
 * prints the outcome; they work whether or not the server runs. The command line has no
 * sign-in: whoever can run it can open the database, and the activity log names it as
 * "command line (user <login>)".
 */
import type { Command } from 'commander';
import { activityLabel } from '../../account/activity-actions.ts';
import { appointAdministrator } from '../../account/appoint-administrator.ts';
import type { AccountDeps } from '../../account/deps.ts';
import { AccountError } from '../../account/errors.ts';
import { getPerson, type PersonDetail } from '../../account/get-person.ts';
import { listPeople, MEMBER_STATES, PEOPLE_PAGE_MAX } from '../../account/list-people.ts';
import type { Member } from '../../account/model.ts';
import { reactivateMember } from '../../account/reactivate-member.ts';
import { removeAdministrator } from '../../account/remove-administrator.ts';
import { removeMember } from '../../account/remove-member.ts';
import type { Store } from '../../account/store.ts';
import { suspendMember } from '../../account/suspend-member.ts';
import { randomIds, systemClock } from '../../clock.ts';
import { loadConfig } from '../../config.ts';
import { openOutboxKey } from '../../main.ts';
import { commandLineActor } from '../actor.ts';
import { flagsOf, withStorageFlags } from '../options.ts';
import { writeJson } from '../output.ts';
import { withExistingStore } from '../store-command.ts';
import { clean, table } from '../terminal.ts';

/** A problem with the command line itself; printed as one line, exit code 1. */
export class PeopleCommandError extends Error {}

type Work = (context: { store: Store; deps: AccountDeps }) => Promise<void>;

export async function run(
  options: Record<string, unknown>,
  work: Work,
  /** The command may queue mail with a link (a reactivation invites again). */
  needs: { sealsLinks?: boolean } = {},
): Promise<void> {
  // Only the storage flags set the config; the rest are the command's own.
  const config = loadConfig(
    process.env,
    flagsOf({ dataDir: options.dataDir, databaseUrl: options.databaseUrl }),
  );
  // A link is sealed with the account server's outbox key (made here only for SQLite, whose
  // data directory is the server's); commands that queue no link leave the key alone.
  const outboxSeal = needs.sealsLinks
    ? openOutboxKey(config, { create: config.databaseUrl === undefined })?.seal
    : undefined;
  await withExistingStore(config, [AccountError, PeopleCommandError], (store) =>
    work({
      store,
      deps: { store, clock: systemClock, ids: randomIds, ...(outboxSeal ? { outboxSeal } : {}) },
    }),
  );
}

function limitOf(text: unknown): number | undefined {
  if (text === undefined) return undefined;
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1 || limit > PEOPLE_PAGE_MAX) {
    throw new PeopleCommandError(
      `--limit must be a whole number from 1 to ${PEOPLE_PAGE_MAX}, not "${clean(String(text))}"`,
    );
  }
  return limit;
}

const name = (member: Member) =>
  clean(member.displayName ?? ([member.givenName, member.familyName].filter(Boolean).join(' ') || '-'));

function describeRow(member: Member): string[] {
  return [
    clean(member.email),
    name(member),
    member.state,
    member.managed ? 'IdP' : '-',
    member.role,
    member.id,
  ];
}

export function registerPeopleCommands(program: Command): void {
  const member = program.commands.find((command) => command.name() === 'member') ?? program.command('member');

  withStorageFlags(
    member
      .command('list')
      .description('people in the account, in e-mail order, a page at a time')
      .option('--state <state>', `only ${MEMBER_STATES.join(', ')} members`)
      .option('--managed', 'only members the IdP manages')
      .option('--unmanaged', 'only members the IdP does not manage')
      .option('--search <text>', 'start of an e-mail address, display, given or family name (any case)')
      .option('--limit <count>', `members per page (default 50, at most ${PEOPLE_PAGE_MAX})`)
      .option('--after <cursor>', 'the page after the one that printed this cursor')
      .option('--json', 'print {"people": [...], "next": cursor or null} as JSON'),
  ).action((options: Record<string, unknown>) =>
    run(options, async ({ deps }) => {
      if (options.managed === true && options.unmanaged === true) {
        throw new PeopleCommandError('--managed and --unmanaged exclude each other; pass one');
      }
      const limit = limitOf(options.limit);
      const page = await listPeople(deps, {
        ...(typeof options.search === 'string' ? { search: options.search } : {}),
        ...(typeof options.state === 'string' ? { state: options.state } : {}),
        ...(options.managed === true
          ? { managed: true }
          : options.unmanaged === true
            ? { managed: false }
            : {}),
        ...(typeof options.after === 'string' ? { after: options.after } : {}),
        ...(limit === undefined ? {} : { limit }),
      });
      if (options.json === true) {
        writeJson(page);
        return;
      }
      if (page.people.length === 0) {
        process.stdout.write('No members match.\n');
        return;
      }
      process.stdout.write(
        table([['EMAIL', 'NAME', 'STATE', 'MANAGED', 'ROLE', 'ID'], ...page.people.map(describeRow)]),
      );
      // On stderr, so that a pipe gets only the rows.
      if (page.next !== null) process.stderr.write(`More members follow: add --after ${page.next}\n`);
    }),
  );

  withStorageFlags(
    member
      .command('show')
      .description('one person: state, groups, vault access, invitation and recent activity')
      .argument('<member>', 'member id or e-mail address')
      .option('--json', 'print the detail as JSON'),
  ).action((ref: string, options: Record<string, unknown>) =>
    run(options, async ({ deps }) => {
      const detail = await getPerson(deps, ref);
      if (options.json === true)
        writeJson({
          ...detail,
          activity: detail.activity.map((entry) => ({ ...entry, label: activityLabel(entry.action) })),
        });
      else process.stdout.write(describePerson(detail));
    }),
  );

  const change = (
    command: string,
    description: string,
    act: typeof suspendMember,
    said: (member: Member, changed: boolean) => string,
  ) =>
    withStorageFlags(
      member.command(command).description(description).argument('<member>', 'member id or e-mail address'),
    ).action((ref: string, options: Record<string, unknown>) =>
      run(
        options,
        async ({ deps }) => {
          const { member: changed, changed: wrote } = await act(deps, commandLineActor(), ref);
          process.stdout.write(`${said(changed, wrote)}\n`);
        },
        { sealsLinks: command === 'reactivate' },
      ),
    );
  change(
    'suspend',
    'suspend a member the IdP does not manage: they cannot sign in until reactivated; their data stays',
    suspendMember,
    (m, changed) =>
      changed
        ? `${clean(m.email)} is suspended; their sessions and open invitation ended.`
        : `${clean(m.email)} was already suspended; nothing changed.`,
  );
  change(
    'reactivate',
    'reactivate a suspended member the IdP does not manage',
    reactivateMember,
    (m, changed) =>
      !changed
        ? `${clean(m.email)} is not suspended (${m.state}); nothing changed.`
        : m.state === 'invited'
          ? `${clean(m.email)} is reactivated and invited again; the new sign-up link is in the outbox.`
          : `${clean(m.email)} is reactivated (${m.state}).`,
  );

  withStorageFlags(
    member
      .command('delete')
      .description('delete a member for good, with their memberships, keys, sessions and queued mail (P14)')
      .argument('<member>', 'member id or e-mail address')
      .option('--yes', 'really delete: this cannot be undone'),
  ).action((ref: string, options: Record<string, unknown>) =>
    run(options, async ({ deps }) => {
      if (options.yes !== true) {
        throw new PeopleCommandError(
          `deleting a member cannot be undone; run again with --yes to delete ${clean(ref.slice(0, 320))} (or suspend them instead)`,
        );
      }
      const removed = await removeMember(deps, commandLineActor(), ref);
      const idp = removed.managed ? ' The IdP still assigns them: its next push creates a new member.' : '';
      process.stdout.write(`${clean(removed.email)} is deleted.${idp}\n`);
    }),
  );

  withStorageFlags(
    member
      .command('promote')
      .description(
        'make an active member an administrator: they may sign in to the console (no keys go with it)',
      )
      .argument('<email>', 'e-mail address (or member id)'),
  ).action((ref: string, options: Record<string, unknown>) =>
    run(options, async ({ deps }) => {
      const appointed = await appointAdministrator(deps, commandLineActor(), ref);
      process.stdout.write(
        `${clean(appointed.email)} is an administrator: they may sign in to the console. No group keys were handed over.\n`,
      );
    }),
  );

  withStorageFlags(
    member
      .command('demote')
      .description('take a member out of Administrators; their sessions end at once')
      .argument('<email>', 'e-mail address (or member id)'),
  ).action((ref: string, options: Record<string, unknown>) =>
    run(options, async ({ deps }) => {
      const { member: removed, endedSessions } = await removeAdministrator(deps, commandLineActor(), ref);
      process.stdout.write(
        `${clean(removed.email)} is no longer an administrator; ${endedSessions} session${endedSessions === 1 ? '' : 's'} ended.\n`,
      );
    }),
  );
}

function describePerson(detail: PersonDetail): string {
  const m = detail.member;
  const lines: string[] = [];
  const field = (label: string, value: string) => lines.push(`${label.padEnd(12)} ${value}`);
  field('Member', m.id);
  field('E-mail', clean(m.email) + (m.pendingEmail ? ` (asked to change to ${clean(m.pendingEmail)})` : ''));
  field('Name', name(m));
  field('User name', clean(m.userName));
  field('State', m.scimDeleted ? `${m.state} (deleted in the IdP)` : m.state);
  field('Role', m.role);
  field(
    'Managed',
    m.managed ? `by the IdP${m.externalId ? ` (externalId ${clean(m.externalId)})` : ''}` : 'no',
  );
  field('Created', m.createdAt);
  if (m.signedUpAt) field('Signed up', m.signedUpAt);
  if (m.confirmedAt) field('Confirmed', m.confirmedAt);
  if (m.suspendedAt) field('Suspended', m.suspendedAt);
  if (detail.invitation)
    field('Invitation', `${detail.invitation.status} (until ${detail.invitation.expiresAt})`);
  lines.push('', 'Groups:');
  if (detail.groups.length === 0) lines.push('  (none)');
  for (const g of detail.groups) {
    const notes = [
      g.kind === 'custom' ? null : 'built-in',
      g.managed ? 'managed' : null,
      g.holdsKey ? 'holds key' : 'no key yet',
    ];
    lines.push(`  ${clean(g.displayName)}  (${notes.filter(Boolean).join(', ')})`);
  }
  lines.push('', 'Vaults:');
  if (detail.vaults.length === 0) lines.push('  (none)');
  for (const v of detail.vaults) {
    lines.push(
      `  ${clean(v.name)}  (${v.permission}, through ${v.throughGroups.map(clean).join(', ')}${v.opens ? '' : '; cannot open it yet'})`,
    );
  }
  lines.push('', 'Recent activity:');
  if (detail.activity.length === 0) lines.push('  (none)');
  for (const e of detail.activity) {
    const by = typeof e.detail.by === 'string' ? ` by ${clean(e.detail.by)}` : ` (${e.actor})`;
    lines.push(`  ${e.at}  ${activityLabel(e.action)} [${e.action}]${by}`);
  }
  return `${lines.join('\n')}\n`;
}
