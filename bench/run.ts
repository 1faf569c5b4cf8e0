/**
 * `npm run bench`: the workloads of issue 2 part 7 against the real system, one fresh server
 * (child process, fresh database) per size.
 *
 *   npm run bench -- [--users 2000,20000] [--seed-above 100000] [--creates 20000] [--concurrency 8] [--only W2,W3a] [--db sqlite|postgres]
 *                    [--lookups 5000] [--member-requests 2000] [--batch-requests 200]
 *                    [--max-minutes 10] [--profile] [--write-docs | --docs-only] [--mails 10000]
 *                    [--mode one-process|split|split-local|compare] [--pairs 3]
 *                    [--reference [--repeats 2] [--bench-dir DIR] [--reference-dir DIR]] [--source]
 *                    [--replicas 1,2] [--w5-order in-order|scattered]
 *
 * The server runs compiled (bench/compiled-server.ts) as in production; `--source`: through tsx.
 * `--reference` runs scimbridge and the reference SCIM server side by side with the shared
 * workload driver (bench/reference.ts) and prints the ratio of server CPU per request.
 *
 * `--only MAIL` (or no `--only`) also runs the e-mail workload of issue 3 (bench/mail.ts):
 * 10,000 invitations through the mail sender to an in-process SMTP server, once per run.
 * `--only CONSOLE` (or no `--only`) times the admin console's People pages over 100,000
 * people (bench/console.ts; bars: a search under 100 ms, a page under 20 ms of server time).
 * `--only CONFIRM` (or no `--only`) runs the provision watcher workload (bench/confirm.ts):
 * confirming `--confirm-members` (10,000) pending members, each in 3 groups, in one run.
 *
 * `--only PEOPLE` (or no `--only`) runs the administrators' people list workload
 * (bench/people.ts): each page of the list, filters and searches, at `--people-members`
 * (100,000) members.
 *
 * Sizes over `--seed-above` (100,000) are seeded in bulk by the server, through the use case a
 * SCIM create runs (bench/seed.ts), all but the last `--creates` (20,000) users, which W1
 * creates through SCIM; W5 then deactivates `--creates` users spread over all of them. So
 * `--users 1000000 --only W1,W2,W4,W5` measures a million-user table in minutes, not hours.
 * `--seed-above 0` seeds every size; `--seed-above 1000000` none.
 *
 * `--profile` records a V8 CPU profile of the server for each workload under
 * `.bench/profiles/` and prints the functions with the most self time; its CPU figures are
 * inflated by the profiler and never count against the bars.
 *
 * `--mode split` runs the account server and the bridge as two processes (the bridge reaches
 * the account over its HTTP API) and counts the CPU time of both; the default is the
 * one-process system of `npm start`. `--mode split-local` keeps both in one process with the
 * bridge still reaching the account over the account API on loopback: it tells what the API
 * path costs apart from running two processes. `--mode compare` runs one-process and split
 * `--pairs` times each,
 * alternating (bench/compare.ts), and prints each workload's medians and what split adds in
 * CPU ms per request (both processes counted), judged against issue 15's bars: 0.15 ms per
 * request, 1.5 ms per page of 100; the ratio (issue 4's bar, 1.5) is shown beside it.
 *
 * `--replicas 1,2` (issue 13, bench/replicas.ts) runs the split shape once per count of bridge
 * replicas, on PostgreSQL unless `--db` says otherwise, W1 and W2 unless `--only` says
 * otherwise, with the load spread over the bridges; it prints creates/s, lookups/s and CPU per
 * request summed over every server process, and keeps them as `.bench/replicas-<db>-<N>-….json`.
 *
 * Results go to `.bench/` as JSON; `--write-docs` renders the latest run of every size into
 * docs/benchmarks.md (`--docs-only` does just that, without running). Exits 1 when any
 * request failed.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { compareRuns, comparisonMarkdown, type Mode, pairOrder } from './compare.ts';
import { compiledServerScript } from './compiled-server.ts';
import {
  type ConfirmBenchResult,
  confirmMarkdown,
  runConfirmBenchmark,
  spliceConfirmSection,
} from './confirm.ts';
import { runConsoleBenchmark } from './console.ts';
import { MAIL_BAR_SECONDS, runMailBenchmark, spliceMail } from './mail.ts';
import type { Measurement } from './measure.ts';
import {
  PEOPLE_BAR_MS,
  type PeopleBenchResult,
  peopleMarkdown,
  peopleMisses,
  runPeopleBenchmark,
  splicePeopleSection,
} from './people.ts';
import { type HotSpot, summarizeProfileFile } from './profile-summary.ts';
import { besideRepo, runAgainstReference } from './reference.ts';
import { type ReplicaRun, replicaFigures, replicasMarkdown } from './replicas.ts';
import { failureReport, resultsMarkdown, spliceGenerated, terminalTable } from './report.ts';
import { type Database, describeMachine, loadLatestResults, type RunResult, saveResult } from './result.ts';
import { type ServerUnderTest, startServerUnderTest } from './server-process.ts';
import { runSuite, WorkloadAbort } from './workloads.ts';

/** What one run measures: a compared mode, or split-local (both in one process, over the API). */
type RunMode = Mode | 'split-local';
const MODE_OPTIONS: ReadonlyArray<RunMode | 'compare'> = ['one-process', 'split', 'split-local', 'compare'];
const isModeOption = (value: string): value is RunMode | 'compare' =>
  (MODE_OPTIONS as readonly string[]).includes(value);

const ROOT = path.resolve(import.meta.dirname, '..');
const RESULTS_DIR = path.join(ROOT, '.bench');
const DOCS_FILE = path.join(ROOT, 'docs', 'benchmarks.md');
const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const MAX_USERS = 1_000_000;
const SEED_ABOVE = 100_000;
const SEEDED_CREATES = 20_000;

/** How many of `users` the server seeds in bulk before W1 (none at or under `--seed-above`). */
const seededOf = (options: Options, users: number) =>
  users > options.seedAbove ? Math.max(0, users - options.creates) : 0;

class UsageError extends Error {}

interface Options {
  users: number[];
  /** Sizes above this are seeded in bulk; W1 creates the last `creates` users through SCIM. */
  seedAbove: number;
  creates: number;
  /** `--w5-order scattered`: W5 in a shuffled order, the access pattern of a big table's W5 at any size. */
  scatterDeactivations: boolean;
  concurrency: number;
  only: string[] | undefined;
  database: Database;
  lookups: number;
  memberRequests: number;
  batchRequests: number;
  maxMinutes: number;
  profile: boolean;
  writeDocs: boolean;
  docsOnly: boolean;
  mode: RunMode | 'compare';
  pairs: number;
  mails: number;
  confirmMembers: number;
  peopleMembers: number;
  reference: { repeats: number; benchDir: string; referenceDir: string } | undefined;
  source: boolean;
  /** `--replicas`: the counts of bridge replicas to run the split shape with. */
  replicas: number[] | undefined;
}

/** The server's entry: compiled as in production, or the TypeScript sources with `--source`. */
const script = (options: Options) =>
  options.source ? Promise.resolve(undefined) : compiledServerScript((line) => console.log(line));

/** The workloads besides the SCIM ones W1 … W5. */
const EXTRA_WORKLOADS: readonly string[] = ['MAIL', 'CONFIRM', 'PEOPLE', 'CONSOLE'];

/** Whether `--only` asks for the SCIM workloads, the MAIL workload, or (without it) both. */
const wantsScim = (options: Options) =>
  options.only === undefined || options.only.some((key) => !EXTRA_WORKLOADS.includes(key));
const wantsMail = (options: Options) => options.only === undefined || options.only.includes('MAIL');
const wantsConfirm = (options: Options) => options.only === undefined || options.only.includes('CONFIRM');
const wantsPeople = (options: Options) => options.only === undefined || options.only.includes('PEOPLE');
const wantsConsole = (options: Options) => options.only === undefined || options.only.includes('CONSOLE');

function wholeNumber(text: string, name: string, min: number, max: number): number {
  const value = Number(text.replace(/_/g, ''));
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not "${text}"`);
  }
  return value;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      users: { type: 'string', default: '2000,20000' },
      'seed-above': { type: 'string', default: String(SEED_ABOVE) },
      creates: { type: 'string', default: String(SEEDED_CREATES) },
      'w5-order': { type: 'string', default: 'in-order' },
      concurrency: { type: 'string', default: '8' },
      only: { type: 'string' },
      db: { type: 'string' },
      lookups: { type: 'string', default: '5000' },
      'member-requests': { type: 'string', default: '2000' },
      'batch-requests': { type: 'string', default: '200' },
      'max-minutes': { type: 'string', default: '10' },
      profile: { type: 'boolean', default: false },
      'write-docs': { type: 'boolean', default: false },
      'docs-only': { type: 'boolean', default: false },
      mode: { type: 'string', default: 'one-process' },
      pairs: { type: 'string', default: '3' },
      mails: { type: 'string', default: '10000' },
      'confirm-members': { type: 'string', default: '10000' },
      'people-members': { type: 'string', default: '100000' },
      reference: { type: 'boolean', default: false },
      source: { type: 'boolean', default: false },
      replicas: { type: 'string' },
      repeats: { type: 'string', default: '2' },
      'bench-dir': { type: 'string', default: besideRepo(ROOT, 'shared/bench') },
      'reference-dir': { type: 'string', default: besideRepo(ROOT, 'scim-reference') },
    },
  });
  const replicas = values.replicas?.split(',').map((count) => wholeNumber(count.trim(), 'replicas', 1, 16));
  if (replicas && values.mode !== 'one-process' && values.mode !== 'split')
    throw new UsageError('--replicas runs the split shape; leave --mode out');
  if (replicas && (values.reference || values['write-docs'] || values['docs-only']))
    throw new UsageError('--replicas prints its own table; run it without --reference or --write-docs');
  const mode = replicas ? 'split' : values.mode;
  if (!isModeOption(mode)) throw new UsageError('--mode must be one-process, split, split-local or compare');
  if (values.mode !== 'one-process' && (values['write-docs'] || values['docs-only']))
    throw new UsageError(`--write-docs renders one-process figures; run ${values.mode} mode without it`);
  // Replicas share one account database; the issue measures them on PostgreSQL.
  const database = values.db ?? (replicas ? 'postgres' : 'sqlite');
  if (database !== 'sqlite' && database !== 'postgres')
    throw new UsageError('--db must be sqlite or postgres');
  const only = values.only
    ?.split(',')
    .map((key) => {
      const upper = key.trim().toUpperCase();
      return EXTRA_WORKLOADS.includes(upper) ? upper : key.trim();
    })
    .filter(Boolean);
  for (const key of only ?? []) {
    if (!/^W[1-6]/i.test(key) && !EXTRA_WORKLOADS.includes(key))
      throw new UsageError(
        `--only takes workloads W1 … W6 (e.g. W2,W3a), MAIL, CONFIRM, PEOPLE and CONSOLE, not "${key}"`,
      );
  }
  const w5Order = values['w5-order'];
  if (w5Order !== 'in-order' && w5Order !== 'scattered')
    throw new UsageError(`--w5-order must be in-order or scattered, not "${w5Order}"`);
  return {
    replicas,
    scatterDeactivations: w5Order === 'scattered',
    users: values.users.split(',').map((size) => wholeNumber(size.trim(), 'users', 20, MAX_USERS)),
    seedAbove: wholeNumber(values['seed-above'], 'seed-above', 0, MAX_USERS),
    creates: wholeNumber(values.creates, 'creates', 1, MAX_USERS),
    concurrency: wholeNumber(values.concurrency, 'concurrency', 1, 256),
    // W1 (creates) always runs; replicas add W2 (lookups) unless told otherwise.
    only: only ?? (replicas ? ['W2'] : undefined),
    database,
    lookups: wholeNumber(values.lookups, 'lookups', 1, 1_000_000),
    memberRequests: wholeNumber(values['member-requests'], 'member-requests', 2, 1_000_000),
    batchRequests: wholeNumber(values['batch-requests'], 'batch-requests', 2, 100_000),
    maxMinutes: wholeNumber(values['max-minutes'], 'max-minutes', 1, 120),
    profile: values.profile,
    writeDocs: values['write-docs'] || values['docs-only'],
    docsOnly: values['docs-only'],
    mode,
    pairs: wholeNumber(values.pairs, 'pairs', 1, 20),
    mails: wholeNumber(values.mails, 'mails', 1, 1_000_000),
    confirmMembers: wholeNumber(values['confirm-members'], 'confirm-members', 1, 1_000_000),
    peopleMembers: wholeNumber(values['people-members'], 'people-members', 100, 1_000_000),
    reference: values.reference
      ? {
          repeats: wholeNumber(values.repeats, 'repeats', 1, 10),
          benchDir: path.resolve(values['bench-dir']),
          referenceDir: path.resolve(values['reference-dir']),
        }
      : undefined,
    source: values.source,
  };
}

function reproduceCommand(options: Options, users: number, mode: RunMode): string {
  const parts = ['npm run bench --', `--users ${users}`, `--concurrency ${options.concurrency}`];
  if (options.database !== 'sqlite') parts.push(`--db ${options.database}`);
  if (options.seedAbove !== SEED_ABOVE) parts.push(`--seed-above ${options.seedAbove}`);
  if (seededOf(options, users) > 0 && options.creates !== SEEDED_CREATES)
    parts.push(`--creates ${options.creates}`);
  if (options.replicas) parts.push(`--replicas ${options.replicas.join(',')}`);
  else if (mode !== 'one-process') parts.push(`--mode ${mode}`);
  if (options.only) parts.push(`--only ${options.only.join(',')}`);
  return parts.join(' ');
}

/** A throwaway database for one run: a temp directory, plus a fresh PostgreSQL database. */
async function prepareDatabase(database: Database, users: number) {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'scimbridge-bench-'));
  if (database === 'sqlite') {
    return {
      dataDir,
      args: ['--data-dir', dataDir],
      cleanUp: () => rm(dataDir, { recursive: true, force: true }),
    };
  }
  const adminUrl = process.env.DATABASE_URL || DEFAULT_POSTGRES_URL;
  const name = `scimbridge_bench_${users}_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    dataDir,
    args: ['--data-dir', dataDir, '--database-url', url.href],
    async cleanUp() {
      await rm(dataDir, { recursive: true, force: true });
      const dropper = new pg.Client({ connectionString: adminUrl });
      await dropper.connect();
      try {
        await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await dropper.end();
      }
    },
  };
}

async function printHotSpots(profileDir: string): Promise<void> {
  const files = (await readdir(profileDir)).filter((name) => name.endsWith('.cpuprofile'));
  const line = (spot: HotSpot) => `    ${spot.percent.toFixed(1).padStart(5)}%  ${spot.name}`;
  for (const file of files.sort()) {
    const summary = await summarizeProfileFile(path.join(profileDir, file), 12);
    console.log(
      `\n${file.replace('.cpuprofile', '')}: ${summary.busyMs.toFixed(0)} ms busy (${path.relative(ROOT, profileDir)})`,
    );
    console.log('  by module:');
    for (const spot of summary.modules.slice(0, 8)) console.log(line(spot));
    console.log('  by function (self time):');
    for (const spot of summary.functions) console.log(line(spot));
    console.log('  native time by our calling function:');
    for (const spot of summary.nativeByCaller.slice(0, 8)) console.log(line(spot));
  }
}

let activeServer: ServerUnderTest | undefined;
let activeCleanUp: (() => Promise<void>) | undefined;

async function runOneSize(options: Options, users: number, mode: RunMode, bridges = 1): Promise<RunResult> {
  const database = await prepareDatabase(options.database, users);
  activeCleanUp = database.cleanUp;
  const profileDir = options.profile
    ? path.join(RESULTS_DIR, 'profiles', `${options.database}-${users}-${Date.now()}`)
    : undefined;
  if (profileDir) await mkdir(profileDir, { recursive: true });
  let measurements: Measurement[] = [];
  const seeded = seededOf(options, users);
  try {
    console.log(
      `\nN = ${users.toLocaleString('en')} users, ${options.database}, concurrency ${options.concurrency}, ${mode}${bridges > 1 ? `, ${bridges} bridges` : ''}${seeded > 0 ? `, ${seeded.toLocaleString('en')} seeded in bulk` : ''}`,
    );
    const args = mode === 'one-process' ? database.args : [...database.args, '--mode', mode];
    if (bridges > 1) args.push('--bridges', String(bridges));
    const server = await startServerUnderTest({
      script: await script(options),
      args,
      startTimeoutMs: 60_000,
    });
    activeServer = server;
    try {
      measurements = await runSuite(
        {
          server,
          concurrency: options.concurrency,
          requestTimeoutMs: 60_000,
          maxDurationMs: options.maxMinutes * 60_000,
          ...(profileDir ? { profileDir } : {}),
        },
        {
          users,
          ...(seeded > 0 ? { seeded, deactivations: options.creates } : {}),
          scatterDeactivations: options.scatterDeactivations,
          lookups: options.lookups,
          memberRequests: options.memberRequests,
          batchRequests: options.batchRequests,
          batchSize: 50,
          bigGroupSize: 50_000,
          buildBatchSize: 1000,
          sweepPages: 1000,
          only: options.only,
          log: (line) => console.log(line),
        },
      );
    } finally {
      await server.stop();
      activeServer = undefined;
    }
    if (profileDir) await printHotSpots(profileDir);
  } finally {
    await database.cleanUp();
    activeCleanUp = undefined;
  }
  return {
    version: 1,
    date: new Date().toISOString(),
    machine: describeMachine(),
    database: options.database,
    users,
    concurrency: options.concurrency,
    command: reproduceCommand(options, users, mode),
    measurements,
    peakRssMiB: Math.max(...measurements.map((measurement) => measurement.peakRssMiB ?? 0)),
    failedRequests: measurements.reduce((sum, measurement) => sum + measurement.failed, 0),
  };
}

async function saveSplitResult(result: RunResult, mode: RunMode): Promise<string> {
  const file = path.join(
    RESULTS_DIR,
    `run-${mode}-${result.database}-${result.users}-${result.date.replace(/[:.]/g, '-')}.json`,
  );
  await writeFile(file, `${JSON.stringify({ ...result, mode }, null, 2)}\n`);
  return file;
}

/** docs/benchmarks.md as it stands, or a bare heading when there is none yet. */
const readDocs = () => readFile(DOCS_FILE, 'utf8').catch(() => '# Benchmarks\n');

async function writeDocs(database: Database): Promise<void> {
  const runs = await loadLatestResults(RESULTS_DIR, database);
  const document = await readDocs();
  await writeFile(DOCS_FILE, spliceGenerated(document, resultsMarkdown(database, runs)));
  console.log(`\nwrote ${path.relative(ROOT, DOCS_FILE)} from ${[...runs.keys()].join(', ')} users`);
}

/** The MAIL workload; returns the number of failures (a missed bar counts as one). */
async function runMail(options: Options): Promise<number> {
  const result = await runMailBenchmark({
    database: options.database,
    messages: options.mails,
    prepare: async () => {
      const prepared = await prepareDatabase(options.database, options.mails);
      activeCleanUp = prepared.cleanUp;
      return {
        ...prepared,
        cleanUp: async () => {
          await prepared.cleanUp();
          activeCleanUp = undefined;
        },
      };
    },
    log: (line) => console.log(line),
  });
  await writeFile(
    path.join(RESULTS_DIR, `latest-mail-${options.database}.json`),
    `${JSON.stringify(result, null, 2)}\n`,
  );
  if (options.writeDocs) {
    const document = await readDocs();
    await writeFile(DOCS_FILE, spliceMail(document, result));
    console.log(`wrote the MAIL section of ${path.relative(ROOT, DOCS_FILE)}`);
  }
  const missed =
    result.messages === options.mails && options.mails === 10_000 && result.totalSeconds > MAIL_BAR_SECONDS;
  if (missed)
    console.error(`\n!!! MAIL: ${result.totalSeconds.toFixed(1)} s is over the ${MAIL_BAR_SECONDS} s bar`);
  return result.failed + (missed ? 1 : 0);
}

const CONFIRM_BAR_CPU_SECONDS = 20;

/** The CONFIRM workload; returns the number of failures (a missed bar counts as one). */
async function runConfirm(options: Options): Promise<number> {
  let failed = 0;
  const resultFile = (database: Database, members: number) =>
    path.join(RESULTS_DIR, `confirm-${database}-${members}.json`);
  if (!options.docsOnly) {
    console.log(
      `\nprovision watcher: ${options.confirmMembers.toLocaleString('en')} pending members, ${options.database}`,
    );
    const result = await runConfirmBenchmark({
      members: options.confirmMembers,
      database: options.database,
      postgresUrl: process.env.DATABASE_URL || DEFAULT_POSTGRES_URL,
      log: (line) => console.log(line),
    });
    console.log(
      `confirmed ${result.confirmed} (failed ${result.failed}) in ${result.cpuSeconds} s CPU, ${result.wallSeconds} s wall; ` +
        `heap ${result.heapBeforeMiB} → ${result.heapPeakMiB} MiB, peak RSS ${result.rssPeakMiB} MiB; ` +
        `${result.verified} sample members opened their vaults`,
    );
    await writeFile(
      resultFile(options.database, options.confirmMembers),
      `${JSON.stringify(result, null, 2)}\n`,
    );
    if (result.confirmed !== result.members || result.verified === 0) {
      console.error('\n!!! CONFIRM: not every member was confirmed, or the sample could not open its vaults');
      failed++;
    }
    if (result.members === 10_000 && result.cpuSeconds > CONFIRM_BAR_CPU_SECONDS) {
      console.error(
        `\n!!! CONFIRM: ${result.cpuSeconds} s of CPU is over the ${CONFIRM_BAR_CPU_SECONDS} s bar`,
      );
      failed++;
    }
  }
  if (options.writeDocs) {
    const results: ConfirmBenchResult[] = [];
    // The latest run of each database and size: a larger N with the same heap peak shows flat memory.
    const files = (await readdir(RESULTS_DIR)).filter((name) =>
      /^confirm-(sqlite|postgres)-\d+\.json$/.test(name),
    );
    for (const file of files) {
      results.push(JSON.parse(await readFile(path.join(RESULTS_DIR, file), 'utf8')) as ConfirmBenchResult);
    }
    results.sort((a, b) => a.database.localeCompare(b.database) || a.members - b.members);
    const document = await readDocs();
    await writeFile(DOCS_FILE, spliceConfirmSection(document, confirmMarkdown(results)));
    console.log(`wrote the provision watcher section of ${path.relative(ROOT, DOCS_FILE)}`);
  }
  return failed;
}

/** The PEOPLE workload; returns the number of failures (each query over the bar counts as one). */
async function runPeople(options: Options): Promise<number> {
  let failed = 0;
  if (!options.docsOnly) {
    console.log(`\npeople list: ${options.peopleMembers.toLocaleString('en')} members, ${options.database}`);
    const result = await runPeopleBenchmark({
      members: options.peopleMembers,
      repeats: 20,
      database: options.database,
      postgresUrl: process.env.DATABASE_URL || DEFAULT_POSTGRES_URL,
      log: (line) => console.log(line),
    });
    await writeFile(
      path.join(RESULTS_DIR, `people-${options.database}-${options.peopleMembers}.json`),
      `${JSON.stringify(result, null, 2)}\n`,
    );
    for (const miss of peopleMisses(result)) {
      console.error(`\n!!! PEOPLE: "${miss.label}" took ${miss.maxMs} ms, over the ${PEOPLE_BAR_MS} ms bar`);
      failed++;
    }
  }
  if (options.writeDocs) {
    const results: PeopleBenchResult[] = [];
    const files = (await readdir(RESULTS_DIR)).filter((name) =>
      /^people-(sqlite|postgres)-\d+\.json$/.test(name),
    );
    for (const file of files) {
      results.push(JSON.parse(await readFile(path.join(RESULTS_DIR, file), 'utf8')) as PeopleBenchResult);
    }
    results.sort((a, b) => a.database.localeCompare(b.database) || a.members - b.members);
    const document = await readDocs();
    await writeFile(DOCS_FILE, splicePeopleSection(document, peopleMarkdown(results)));
    console.log(`wrote the people list section of ${path.relative(ROOT, DOCS_FILE)}`);
  }
  return failed;
}

/** The CONSOLE workload (bench/console.ts): 100,000 people; a missed bar counts as a failure. */
async function runConsole(options: Options): Promise<number> {
  const people = 100_000;
  console.log(`\nadmin console: ${people.toLocaleString('en')} people, ${options.database}`);
  const timings = await runConsoleBenchmark({
    people,
    database: options.database,
    postgresUrl: process.env.DATABASE_URL || DEFAULT_POSTGRES_URL,
    log: (line) => console.log(line),
  });
  let failed = 0;
  for (const timing of timings) {
    const over = timing.p50Ms > timing.bar;
    console.log(
      `  ${timing.what.padEnd(28)} p50 ${String(timing.p50Ms).padStart(6)} ms  p95 ${String(timing.p95Ms).padStart(6)} ms  (bar ${timing.bar} ms)${over ? '  OVER' : ''}`,
    );
    if (over) failed++;
  }
  await writeFile(
    path.join(RESULTS_DIR, `console-${options.database}.json`),
    `${JSON.stringify(timings, null, 2)}\n`,
  );
  return failed;
}

/** `--mode compare`: both modes, alternating, then each workload's medians and ratio. */
async function runComparison(options: Options): Promise<number> {
  let failed = 0;
  for (const users of options.users) {
    const runs: Array<{ mode: Mode; measurements: Measurement[] }> = [];
    for (let pair = 0; pair < options.pairs; pair++) {
      for (const mode of pairOrder(pair)) {
        const result = await runOneSize(options, users, mode);
        failed += result.failedRequests;
        runs.push({ mode, measurements: result.measurements });
      }
    }
    const { workloads, skipped } = compareRuns(runs);
    const table = comparisonMarkdown(workloads);
    console.log(
      `\nN = ${users.toLocaleString('en')}: CPU ms per request (split: both processes), ${options.pairs} runs of each mode, alternating\n${table}`,
    );
    if (skipped.length > 0) console.error(`\n!!! left out (failed requests): ${skipped.join(', ')}`);
    const file = path.join(
      RESULTS_DIR,
      `compare-${options.database}-${users}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
    );
    await writeFile(
      file,
      `${JSON.stringify({ date: new Date().toISOString(), machine: describeMachine(), users, pairs: options.pairs, workloads, skipped }, null, 2)}\n`,
    );
    console.log(`saved ${path.relative(ROOT, file)}`);
  }
  return failed;
}

/** `--replicas`: the split shape once per count of bridges, then creates/s, lookups/s and CPU per request. */
async function runReplicas(options: Options, counts: readonly number[]): Promise<number> {
  let failed = 0;
  for (const users of options.users) {
    const runs: ReplicaRun[] = [];
    for (const bridges of counts) {
      const result = await runOneSize(options, users, 'split', bridges);
      console.log(`\n${terminalTable(result.measurements)}`);
      const failures = failureReport(result.measurements);
      if (failures) console.error(`\n!!! ${result.failedRequests} REQUESTS FAILED:\n${failures}`);
      failed += result.failedRequests;
      runs.push({ bridges, measurements: result.measurements });
    }
    const figures = replicaFigures(runs);
    const date = new Date().toISOString();
    console.log(
      `\nN = ${users.toLocaleString('en')}, ${options.database}, concurrency ${options.concurrency}: CPU ms per request summed over the account server and every bridge\n${replicasMarkdown(figures)}`,
    );
    const file = path.join(
      RESULTS_DIR,
      `replicas-${options.database}-${users}-${date.replace(/[:.]/g, '-')}.json`,
    );
    const command = reproduceCommand(options, users, 'split');
    await writeFile(
      file,
      `${JSON.stringify({ date, machine: describeMachine(), command, users, figures, runs }, null, 2)}\n`,
    );
    console.log(`saved ${path.relative(ROOT, file)}`);
  }
  return failed;
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  await mkdir(RESULTS_DIR, { recursive: true });
  if (options.replicas) return (await runReplicas(options, options.replicas)) === 0 ? 0 : 1;
  if (options.mode === 'compare') return (await runComparison(options)) === 0 ? 0 : 1;
  if (options.reference) {
    const reference = { ...options.reference, users: options.users, concurrency: options.concurrency };
    return runAgainstReference({ ...reference, resultsDir: RESULTS_DIR, script: await script(options) });
  }
  const mode = options.mode;
  let failed = 0;
  for (const users of options.docsOnly || !wantsScim(options) ? [] : options.users) {
    const result = await runOneSize(options, users, mode);
    console.log(`\n${terminalTable(result.measurements)}`);
    console.log(`peak server RSS ${result.peakRssMiB.toFixed(0)} MiB`);
    const failures = failureReport(result.measurements);
    if (failures) {
      console.error(
        `\n!!! ${result.failedRequests} REQUESTS FAILED — these figures measure error answers:\n${failures}`,
      );
    }
    failed += result.failedRequests;
    // Split-mode runs are kept apart: the generated tables in docs/benchmarks.md are one-process figures.
    const files =
      mode !== 'one-process'
        ? [await saveSplitResult(result, mode)]
        : await saveResult(RESULTS_DIR, result, options.profile);
    console.log(`saved ${path.relative(ROOT, files[0]!)}`);
  }
  if (options.writeDocs && wantsScim(options)) await writeDocs(options.database);
  if (!options.docsOnly && wantsMail(options)) failed += await runMail(options);
  if (wantsConfirm(options)) failed += await runConfirm(options);
  if (wantsPeople(options)) failed += await runPeople(options);
  if (wantsConsole(options) && !options.docsOnly) failed += await runConsole(options);
  return failed === 0 ? 0 : 1;
}

let interrupted = false;
process.on('SIGINT', () => {
  if (interrupted) process.exit(130);
  interrupted = true;
  console.error('\ninterrupted: stopping the server');
  void (async () => {
    await activeServer?.stop().catch(() => undefined);
    await activeCleanUp?.().catch(() => undefined);
    process.exit(130);
  })();
});

main().then(
  (code) => process.exit(code),
  async (error: unknown) => {
    await activeServer?.stop().catch(() => undefined);
    await activeCleanUp?.().catch(() => undefined);
    if (error instanceof WorkloadAbort && error.measured.length > 0) {
      console.log(`\nmeasured before the stop:\n${terminalTable(error.measured)}`);
      const failures = failureReport(error.measured);
      if (failures) console.error(`\n!!! FAILED REQUESTS:\n${failures}`);
    }
    if (error instanceof UsageError || error instanceof WorkloadAbort)
      console.error(`\nbench: ${error.message}`);
    else console.error(error);
    process.exit(1);
  },
);
