/**
 * The MAIL workload of `npm run bench` (issue 3): 10,000 invitations through the real mail
 * sender to a real SMTP server. The bar: all of them accepted by the SMTP server and
 * recorded as sent within 30 s.
 *
 * The invitations are written to a fresh database first (as the use cases would, complete
 * with a sign-up link). Then the whole system starts as a child process (bench/server.ts,
 * the same as for the SCIM workloads) with SCIMBRIDGE_SMTP_URL pointing at an smtp-server
 * sink in this process, so the sink's work does not land on the server's CPU clock. The
 * clock starts before the server process is forked, so the figure includes the server's
 * start-up, and stops when the database holds no queued message any more.
 */
import { performance } from 'node:perf_hooks';
import type { OutboxMessage } from '../src/account/model.ts';
import { randomIds } from '../src/clock.ts';
import { openStore } from '../src/storage/open-store.ts';
import { startSmtpSink } from '../test/support/smtp-sink.ts';
import { spliceMarked } from './report.ts';
import type { Database } from './result.ts';
import { type ServerUnderTest, startServerUnderTest } from './server-process.ts';

export const MAIL_BAR_SECONDS = 30;

export interface MailBenchResult {
  date: string;
  database: Database;
  messages: number;
  /** Fork of the server to the last message recorded as sent. */
  totalSeconds: number;
  /** Server ready to the last message accepted by the SMTP server. */
  sendingSeconds: number;
  /** Messages per second over `sendingSeconds`. */
  perSecond: number;
  /** Server CPU over the whole run, ms per message. */
  cpuMsPerMessage: number;
  failed: number;
  command: string;
}

export interface PreparedDatabase {
  dataDir: string;
  args: string[];
  cleanUp(): Promise<void>;
}

function invitation(index: number, now: string): OutboxMessage {
  const id = randomIds();
  return {
    id,
    to: `invitee${index}@bench.example`,
    template: 'invitation',
    data: {
      memberId: id,
      accountName: 'Benchmark Team',
      displayName: `Invitee ${index}`,
      link: `https://team.bench.example/signup/${id}-${'x'.repeat(43)}`,
      expiresAt: new Date(Date.parse(now) + 7 * 86_400_000).toISOString(),
    },
    state: 'queued',
    attempts: 0,
    nextAttemptAt: now,
    lastError: null,
    createdAt: now,
    sentAt: null,
  };
}

export async function runMailBenchmark(options: {
  database: Database;
  messages: number;
  prepare: () => Promise<PreparedDatabase>;
  log: (line: string) => void;
}): Promise<MailBenchResult> {
  const prepared = await options.prepare();
  const sink = await startSmtpSink({ keep: false });
  let server: ServerUnderTest | undefined;
  try {
    const databaseUrl = prepared.args.includes('--database-url')
      ? prepared.args[prepared.args.indexOf('--database-url') + 1]
      : undefined;
    const store = await openStore({ dataDir: prepared.dataDir, databaseUrl });
    try {
      const now = new Date().toISOString();
      await store.transaction(async (tx) => {
        for (let i = 0; i < options.messages; i++) await tx.enqueueMail(invitation(i, now));
      });
    } finally {
      await store.close();
    }
    options.log(
      `\nMAIL: ${options.messages.toLocaleString('en')} invitations queued; starting the server with SMTP`,
    );

    const started = performance.now();
    server = await startServerUnderTest({
      args: [...prepared.args, '--smtp-url', sink.url],
      startTimeoutMs: 60_000,
    });
    const ready = performance.now();
    await sink.waitFor(options.messages, 10 * 60_000);
    const accepted = performance.now();

    // Accepted is not yet recorded: wait until no message is left queued.
    const check = await openStore({ dataDir: prepared.dataDir, databaseUrl });
    let failed = 0;
    try {
      while ((await check.listMail({ limit: 1, state: 'queued' })).length > 0) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      failed = (await check.listMail({ limit: options.messages, state: 'failed' })).length;
    } finally {
      await check.close();
    }
    const recorded = performance.now();
    const usage = await server.usage();
    const cpuMs = (usage.cpu.user + usage.cpu.system) / 1000;

    const result: MailBenchResult = {
      date: new Date().toISOString(),
      database: options.database,
      messages: options.messages,
      totalSeconds: (recorded - started) / 1000,
      sendingSeconds: (accepted - ready) / 1000,
      perSecond: options.messages / ((accepted - ready) / 1000),
      cpuMsPerMessage: cpuMs / options.messages,
      failed: failed + Math.max(0, sink.accepted - options.messages),
      command: `npm run bench -- --only MAIL${options.database === 'postgres' ? ' --db postgres' : ''}`,
    };
    options.log(
      `MAIL: ${result.messages.toLocaleString('en')} sent and recorded in ${result.totalSeconds.toFixed(1)} s ` +
        `(bar ≤ ${MAIL_BAR_SECONDS} s, server start-up included); ${result.perSecond.toFixed(0)} messages/s once up; ` +
        `server CPU ${result.cpuMsPerMessage.toFixed(2)} ms per message; ${result.failed} failed or duplicated`,
    );
    return result;
  } finally {
    await server?.stop();
    await sink.close();
    await prepared.cleanUp();
  }
}

export const MAIL_DOCS_START =
  '<!-- bench:mail:start (generated by `npm run bench -- --only MAIL --write-docs`) -->';
export const MAIL_DOCS_END = '<!-- bench:mail:end -->';

export function mailMarkdown(result: MailBenchResult): string {
  const verdict = result.failed === 0 && result.totalSeconds <= MAIL_BAR_SECONDS ? 'met' : '**not met**';
  return [
    `Run ${result.date.slice(0, 16).replace('T', ' ')} UTC on ${result.database}: \`${result.command}\``,
    '',
    '| bar (issue 3) | measured | verdict |',
    '| --- | --- | --- |',
    `| ${result.messages.toLocaleString('en')} invitations sent and recorded ≤ ${MAIL_BAR_SECONDS} s | ${result.totalSeconds.toFixed(1)} s (start-up included) | ${verdict} |`,
    '',
    `Once the server was up: ${result.sendingSeconds.toFixed(1)} s, ${result.perSecond.toFixed(0)} messages/s; ` +
      `server CPU ${result.cpuMsPerMessage.toFixed(2)} ms per message; ${result.failed} failed or duplicated.`,
  ].join('\n');
}

/** Replaces the MAIL block of docs/benchmarks.md, or appends it; the rest of the page is untouched. */
export function spliceMail(document: string, result: MailBenchResult): string {
  const block = `${MAIL_DOCS_START}\n\n${mailMarkdown(result)}\n\n${MAIL_DOCS_END}`;
  return spliceMarked(document, MAIL_DOCS_START, MAIL_DOCS_END, block);
}
