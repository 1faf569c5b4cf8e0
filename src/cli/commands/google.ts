/**
 * `scimbridge google status|groups|configure|preview|enable|disable|run`: the Google
 * Workspace sync (P21) from the command line, over the account's database like the other
 * administration commands. Settings go to the same file the running bridge reads before
 * every run, so a change made here applies at the bridge's next run.
 */

import type { Command } from 'commander';
import { pino } from 'pino';
import { createInProcessAccountClient } from '../../account/in-process-client.ts';
import { GoogleSyncError } from '../../bridge/google/errors.ts';
import { createGoogleSync } from '../../bridge/google/from-config.ts';
import { GoogleKeyError } from '../../bridge/google/key-file.ts';
import type { PlannedGroup, PlannedMember } from '../../bridge/google/plan.ts';
import { GoogleSettingsError } from '../../bridge/google/settings.ts';
import type { GoogleSync, Preview, RunProgress, RunSummary } from '../../bridge/google/sync.ts';
import { loadConfig } from '../../config.ts';
import { flagsOf, withStorageFlags } from '../options.ts';
import { writeJson } from '../output.ts';
import { clean } from '../terminal.ts';
import { run } from './people.ts';

function withGoogleFlags(command: Command): Command {
  return withStorageFlags(command)
    .option('--google-key-file <path>', 'the service-account JSON key (SCIMBRIDGE_GOOGLE_KEY_FILE)')
    .option('--google-settings-file <path>', 'where the sync settings are kept (SCIMBRIDGE_GOOGLE_SETTINGS)');
}

async function withSync(
  options: Record<string, unknown>,
  work: (sync: GoogleSync) => Promise<void>,
): Promise<void> {
  const config = loadConfig(
    process.env,
    flagsOf({
      dataDir: options.dataDir,
      databaseUrl: options.databaseUrl,
      googleKeyFile: options.googleKeyFile,
      googleSettingsFile: options.googleSettingsFile,
    }),
  );
  // Errors a user can fix are one line on stderr; the sync's own log lines stay quiet here.
  const logger = pino({ level: process.env.SCIMBRIDGE_LOG_LEVEL === 'debug' ? 'debug' : 'silent' });
  await run(
    options,
    async ({ deps }) => {
      const sync = createGoogleSync(config, { client: createInProcessAccountClient(deps), logger });
      try {
        await work(sync);
      } catch (error) {
        if (
          error instanceof GoogleSyncError ||
          error instanceof GoogleKeyError ||
          error instanceof GoogleSettingsError
        ) {
          process.stderr.write(`scimbridge: ${error.message}\n`);
          process.exitCode = 1;
          return;
        }
        throw error;
      }
    },
    { sealsLinks: true },
  );
}

/** One line on stderr, rewritten in place on a terminal; nothing when piped. */
function progressLine(progress: RunProgress): void {
  if (!process.stderr.isTTY) return;
  const text =
    progress.phase === 'applying'
      ? `applying: ${progress.done} of ${progress.total} changes`
      : `${progress.phase}: ${progress.usersRead} Google users read`;
  process.stderr.write(`\r${text}\u001b[K`);
}

function endProgress(): void {
  if (process.stderr.isTTY) process.stderr.write('\r\u001b[K');
}

const LINES: Array<[keyof Preview['counts'], string]> = [
  ['invite', 'Invited'],
  ['match', 'Matched by e-mail'],
  ['update', 'Names updated'],
  ['emailChange', 'Address changed (waits for the member to accept)'],
  ['suspend', 'Suspended'],
  ['reactivate', 'Reactivated'],
  ['groupsCreate', 'Groups made'],
  ['groupsChange', 'Groups changed'],
];

function printPreview(preview: Preview): void {
  process.stdout.write(`Preview for ${preview.groups.map(clean).join(', ')}\n\n`);
  for (const [key, label] of LINES) process.stdout.write(`  ${label.padEnd(50)} ${preview.counts[key]}\n`);
  const person = (p: PlannedMember) =>
    `    ${clean(p.email)}${p.name ? ` (${clean(p.name)})` : ''}${p.reason ? ` — ${p.reason}` : ''}\n`;
  const group = (g: PlannedGroup) =>
    `    ${clean(g.name)}: ${g.added} added, ${g.removed} removed${g.renamed ? ', renamed' : ''}\n`;
  for (const [key, label] of LINES) {
    const items = preview.plan[key];
    if (!Array.isArray(items) || items.length === 0) continue;
    process.stdout.write(`\n  ${label}:\n`);
    for (const item of items)
      process.stdout.write('googleMemberIds' in item ? group(item) : person(item as PlannedMember));
  }
  process.stdout.write(
    `\nTo turn the sync on for these groups: scimbridge google enable --confirm-suspensions ${preview.counts.suspend}\n`,
  );
}

function printRun(summary: RunSummary): void {
  const applied = summary.applied;
  process.stdout.write(
    `${summary.outcome.replace(/_/g, ' ')}${summary.message ? `: ${summary.message}` : ''}\n` +
      (applied
        ? `${applied.invite} invited, ${applied.match} matched, ${applied.update + applied.emailChange} updated, ${applied.suspend} suspended, ${applied.reactivate} reactivated, ${applied.groupsCreate + applied.groupsChange} groups made or changed\n`
        : '') +
      (summary.refused ?? [])
        .map((r) => `refused: ${clean(r.who)} (${r.kind}): ${clean(r.message)}\n`)
        .join(''),
  );
  if (summary.outcome === 'failed' || summary.outcome === 'stopped_by_guard') process.exitCode = 1;
}

export function registerGoogleCommands(program: Command): void {
  const google = program.command('google').description('the Google Workspace directory sync (P21)');

  withGoogleFlags(
    google.command('status').description('settings, state and the key in use').option('--json'),
  ).action((options: Record<string, unknown>) =>
    withSync(options, async (sync) => {
      const status = await sync.status();
      if (options.json === true) return writeJson({ ...status, lastPreview: undefined });
      const s = status.settings;
      process.stdout.write(
        `State: ${status.state.replace(/_/g, ' ')}\nKey: ${status.keySource ?? 'none'}\nAdministrator: ${clean(s.admin ?? 'not set')}\n` +
          `Groups: ${s.groups.map(clean).join(', ') || 'none'}\nApproved groups: ${s.approvedGroups.map(clean).join(', ') || 'none'}${s.approvedAt ? ` (${s.approvedAt})` : ''}\n`,
      );
    }),
  );

  withGoogleFlags(
    google.command('groups').description("the customer's Google groups, to choose from").option('--json'),
  ).action((options: Record<string, unknown>) =>
    withSync(options, async (sync) => {
      const groups = await sync.availableGroups();
      if (options.json === true) return writeJson(groups);
      for (const g of groups) process.stdout.write(`${clean(g.email)}\t${clean(g.name)}\n`);
    }),
  );

  withGoogleFlags(
    google
      .command('configure')
      .description('set the administrator to act as and the groups whose members are provisioned')
      .option('--admin <email>', 'the Workspace administrator the service account acts as')
      .option('--groups <emails>', 'comma-separated Google group addresses'),
  ).action((options: Record<string, unknown>) =>
    withSync(options, async (sync) => {
      const settings = await sync.configure({
        ...(typeof options.admin === 'string' ? { admin: options.admin } : {}),
        ...(typeof options.groups === 'string'
          ? { groups: options.groups.split(',').filter((g) => g.trim()) }
          : {}),
      });
      process.stdout.write(
        `Saved: ${clean(settings.admin ?? 'no administrator')}, groups ${settings.groups.map(clean).join(', ') || 'none'}.\n` +
          'Nothing changes until a preview is confirmed: scimbridge google preview\n',
      );
    }),
  );

  withGoogleFlags(
    google.command('preview').description('what a sync would change now, changing nothing').option('--json'),
  ).action((options: Record<string, unknown>) =>
    withSync(options, async (sync) => {
      const preview = await sync.preview(progressLine);
      endProgress();
      if (options.json === true)
        return writeJson({ groups: preview.groups, counts: preview.counts, ...preview.plan });
      printPreview(preview);
    }),
  );

  withGoogleFlags(
    google
      .command('enable')
      .description('turn the sync on for the chosen groups, confirming the preview by its suspensions')
      .requiredOption('--confirm-suspensions <count>', 'the number of suspensions the preview shows'),
  ).action((options: Record<string, unknown>) =>
    withSync(options, async (sync) => {
      const count = Number(options.confirmSuspensions);
      if (!Number.isInteger(count) || count < 0) {
        throw new GoogleSettingsError('--confirm-suspensions must be the whole number the preview shows');
      }
      await sync.approve(count);
      process.stdout.write('The sync is on. Running it now…\n');
      const summary = await sync.runNow('manual', progressLine);
      endProgress();
      printRun(summary);
    }),
  );

  withGoogleFlags(google.command('disable').description('turn the sync off (nothing is undone)')).action(
    (options: Record<string, unknown>) =>
      withSync(options, async (sync) => {
        await sync.turnOff();
        process.stdout.write('The sync is off.\n');
      }),
  );

  withGoogleFlags(google.command('run').description('one sync now, with a progress line')).action(
    (options: Record<string, unknown>) =>
      withSync(options, async (sync) => {
        const summary = await sync.runNow('manual', progressLine);
        endProgress();
        printRun(summary);
      }),
  );
}
