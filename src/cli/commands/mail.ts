/**
 * `scimbridge mail list|show`: read the outbox. Without an SMTP server (the embedded
 * default) this is how an operator sees invitations and hands links over by hand. It opens
 * the database directly, so it works whether or not the server is running.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { type OutboxSeal, OutboxSealError, openLinks } from '../../account/mail/outbox-seal.ts';
import { messageIdFor } from '../../account/mail/sender.ts';
import { formatUtc, MailDataError, renderMail } from '../../account/mail/templates.ts';
import type { MailState, OutboxMessage } from '../../account/model.ts';
import type { Store } from '../../account/store.ts';
import { storageArgs } from '../../command-hints.ts';
import { type Config, loadConfig } from '../../config.ts';
import { openOutboxKey } from '../../main.ts';
import { SQLITE_FILE_NAME } from '../../storage/open-store.ts';
import { flagsOf, withStorageFlags } from '../options.ts';
import { withConfiguredStore } from '../store-command.ts';

const STATES: readonly MailState[] = ['queued', 'sent', 'failed'];
const ID_SHAPE = /^[A-Za-z0-9._-]{1,100}$/;

/** A problem the user can fix; printed as one line, exit code 1. */
export class MailCommandError extends Error {}

interface Output {
  write(text: string): void;
}

/** Terminal-safe: values come from the IdP and must not move the cursor or recolour the screen. */
function clean(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '?');
}

function when(iso: string | null): string {
  if (iso === null) return '-';
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? clean(iso) : formatUtc(at);
}

export function parseState(text: string | undefined): MailState | undefined {
  if (text === undefined) return undefined;
  const state = text.toLowerCase();
  if (!STATES.includes(state as MailState)) {
    throw new MailCommandError(`--state must be one of ${STATES.join(', ')}, not "${clean(text)}"`);
  }
  return state as MailState;
}

export function parseLimit(text: string | undefined): number {
  if (text === undefined) return 50;
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
    throw new MailCommandError(`--limit must be a whole number from 1 to 10000, not "${clean(text)}"`);
  }
  return limit;
}

export async function listMail(
  store: Store,
  options: { state?: MailState; limit: number },
  out: Output,
): Promise<void> {
  const messages = await store.listMail({
    limit: options.limit,
    ...(options.state ? { state: options.state } : {}),
  });
  if (messages.length === 0) {
    out.write(options.state ? `No ${options.state} messages.\n` : 'The outbox is empty.\n');
    return;
  }
  const rows = [
    ['ID', 'CREATED', 'STATE', 'TRIES', 'TEMPLATE', 'TO'],
    ...messages.map((message) => [
      message.id,
      when(message.createdAt),
      message.state,
      String(message.attempts),
      message.template,
      clean(message.to),
    ]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  for (const row of rows) {
    out.write(
      `${row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ')}\n`,
    );
  }
}

export async function showMail(
  store: Store,
  id: string,
  context: {
    from: string;
    seal?: OutboxSeal | undefined;
    /** ` --data-dir …` of this command, for the hint. */
    storageArgs?: string;
  },
  out: Output,
): Promise<void> {
  const list = `scimbridge mail list${context.storageArgs ?? ''}`;
  if (!ID_SHAPE.test(id)) {
    throw new MailCommandError(`"${clean(id.slice(0, 100))}" is not a message id (see ${list})`);
  }
  const message = await store.getMail(id);
  if (message === undefined) throw new MailCommandError(`no message with id ${id} (see ${list})`);
  out.write(describe(message, context.from, context.seal));
}

function describe(message: OutboxMessage, from: string, seal: OutboxSeal | undefined): string {
  const lines: string[] = [];
  const field = (name: string, value: string) => lines.push(`${name.padEnd(11)} ${value}`);
  field('Message', message.id);
  field('State', stateLine(message));
  if (message.lastError !== null) field('Last error', clean(message.lastError));
  field('Created', when(message.createdAt));
  if (message.sentAt !== null) field('Sent', when(message.sentAt));
  lines.push('');
  let rendered: ReturnType<typeof renderMail> | undefined;
  let problem: string | undefined;
  try {
    // A sent message's links were removed from the row; show where they were.
    // Links are stored sealed (outbox-seal.ts): this needs the account server's outbox key.
    const data = openLinks(
      seal,
      { messageId: message.id, template: message.template, to: message.to },
      message.data,
    );
    rendered = renderMail(
      { template: message.template, data },
      { showRemovedLinks: message.state === 'sent' },
    );
  } catch (error) {
    if (!(error instanceof MailDataError) && !(error instanceof OutboxSealError)) throw error;
    problem = error.message;
  }
  field('From', clean(from));
  field('To', clean(message.to));
  field('Subject', rendered ? rendered.subject : '-');
  field('Message-ID', messageIdFor(message.id, from));
  field('Template', message.template);
  lines.push('');
  if (rendered === undefined) {
    lines.push(`This message cannot be rendered: ${clean(problem ?? '')}`);
    lines.push('Its data (links stay sealed):');
    lines.push(clean(JSON.stringify(message.data, null, 2)));
    return `${lines.join('\n')}\n`;
  }
  lines.push('Links:');
  if (rendered.links.length === 0) lines.push('  (none)');
  for (const link of rendered.links) lines.push(`  ${link}`);
  lines.push('');
  lines.push('--- text body ---');
  lines.push(clean(rendered.text).trimEnd());
  return `${lines.join('\n')}\n`;
}

function stateLine(message: OutboxMessage): string {
  const tries = `${message.attempts} ${message.attempts === 1 ? 'attempt' : 'attempts'}`;
  if (message.state === 'queued') return `queued (${tries}; next attempt ${when(message.nextAttemptAt)})`;
  return `${message.state} (${tries})`;
}

export function registerMailCommands(program: Command): void {
  const mail = program.command('mail').description('read the e-mail outbox (works while the server runs)');

  withStorageFlags(
    mail
      .command('list')
      .description('messages, newest first')
      .option('--state <state>', 'only queued, sent or failed messages')
      .option('--limit <count>', 'how many to show (default 50)'),
  ).action(async (options: Record<string, unknown>) => {
    await withStore(options, async (store) => {
      const state = parseState(typeof options.state === 'string' ? options.state : undefined);
      const limit = parseLimit(typeof options.limit === 'string' ? options.limit : undefined);
      await listMail(store, { ...(state ? { state } : {}), limit }, process.stdout);
    });
  });

  withStorageFlags(
    mail
      .command('show')
      .description('one message: headers, links and text body')
      .argument('<id>', 'the message id, from `scimbridge mail list`')
      .option('--mail-from <address>', 'the From header the server uses (SCIMBRIDGE_MAIL_FROM)')
      .option('--account-url <url>', "the account server's public address (SCIMBRIDGE_ACCOUNT_URL)"),
  ).action(async (id: string, options: Record<string, unknown>) => {
    await withStore(options, async (store, from, config) => {
      const seal = openOutboxKey(config, { create: false })?.seal;
      await showMail(store, id, { from, seal, storageArgs: storageArgs(config) }, process.stdout);
    });
  });
}

async function withStore(
  options: Record<string, unknown>,
  work: (store: Store, from: string, config: Config) => Promise<void>,
): Promise<void> {
  const config = loadConfig(process.env, flagsOf(options));
  const file = path.join(config.dataDir, SQLITE_FILE_NAME);
  if (config.databaseUrl === undefined && !existsSync(file)) {
    // Reading must not create an empty database in the wrong folder and report it empty.
    process.stderr.write(`scimbridge: no database at ${file}; pass --data-dir or --database-url\n`);
    process.exitCode = 1;
    return;
  }
  await withConfiguredStore(config, [MailCommandError], (store) => work(store, config.mailFrom, config));
}
