/**
 * The PEOPLE workload (issue 11): the administrators' people list at 100,000 members. A fresh
 * store gets `members` members with names drawn from a few dozen first and family names
 * (so that a short prefix matches thousands of people, the hard case for a search), then each
 * query an administrator makes — first page, next page, state and managed filters, searches
 * of one letter to a whole name, search with filters — runs `repeats` times through the use
 * case (`listPeople`), in process: its time is the server's time for that page, without
 * HTTP or rendering. Bar: every query's slowest run ≤ 100 ms.
 */
import pg from 'pg';
import { countPeople } from '../src/account/count-people.ts';
import { ensureAccount } from '../src/account/ensure-account.ts';
import { listPeople, type PeopleListInput } from '../src/account/list-people.ts';
import type { Member, MemberState } from '../src/account/model.ts';
import { randomIds, systemClock } from '../src/clock.ts';
import { makeMember } from '../src/storage/contract-fixtures.ts';
import { openBenchStore } from './bench-store.ts';
import { spliceMarked } from './report.ts';

export const PEOPLE_BAR_MS = 100;

export interface PeopleQueryResult {
  label: string;
  /** Members on the page (at most 50). */
  returned: number;
  medianMs: number;
  maxMs: number;
}

export interface PeopleBenchResult {
  date: string;
  database: 'sqlite' | 'postgres';
  members: number;
  repeats: number;
  countsMedianMs: number;
  queries: PeopleQueryResult[];
}

const FIRST = [
  'maria',
  'james',
  'wei',
  'fatima',
  'olga',
  'juan',
  'aisha',
  'noah',
  'mei',
  'lucas',
  'sofia',
  'ali',
  'emma',
  'liam',
  'yuki',
  'amir',
  'chloe',
  'ivan',
  'nia',
  'omar',
  'ana',
  'kai',
  'lena',
  'raj',
  'sara',
  'tom',
  'zoe',
  'ben',
  'ida',
  'max',
  'eva',
  'leo',
  'mila',
  'sam',
  'jin',
  'ada',
];
const FAMILY = [
  'smith',
  'garcia',
  'wang',
  'khan',
  'ivanova',
  'martin',
  'okafor',
  'kim',
  'rossi',
  'müller',
  'silva',
  'nguyen',
  'cohen',
  'sato',
  'dubois',
  'novak',
  'jensen',
  'lopez',
  'ahmed',
  'brown',
  'tanaka',
  'costa',
  'meyer',
  'popescu',
  'larsen',
  'haddad',
  'singh',
  'walker',
  'moreau',
  'santos',
];
const STATES: MemberState[] = [
  'active',
  'active',
  'active',
  'active',
  'active',
  'invited',
  'pending',
  'suspended',
];
const WRITE_BATCH = 1000;

const capital = (text: string) => text[0]!.toUpperCase() + text.slice(1);

function memberAt(i: number, now: string): Member {
  const first = FIRST[i % FIRST.length]!;
  const family = FAMILY[Math.floor(i / FIRST.length) % FAMILY.length]!;
  const email = `${first}.${family}.${i}@example.com`;
  const state = STATES[i % STATES.length]!;
  return makeMember(randomIds(), {
    userName: email,
    email,
    displayName: `${capital(first)} ${capital(family)}`,
    givenName: capital(first),
    familyName: capital(family),
    state,
    managed: i % 5 !== 0,
    profile: { userName: email, emails: [{ value: email, primary: true }] },
    signedUpAt: state === 'invited' ? null : now,
    confirmedAt: state === 'active' ? now : null,
    suspendedAt: state === 'suspended' ? now : null,
    createdAt: now,
    updatedAt: now,
  });
}

/** The pages an administrator asks for; `after` pages start from the first page's cursor. */
const QUERIES: Array<{ label: string; input: PeopleListInput; nextPage?: boolean }> = [
  { label: 'first page', input: {} },
  { label: 'next page', input: {}, nextPage: true },
  { label: 'state = pending', input: { state: 'pending' } },
  { label: 'not managed by the IdP', input: { managed: false } },
  { label: 'suspended, managed', input: { state: 'suspended', managed: true } },
  { label: 'search "m" (one letter)', input: { search: 'm' } },
  { label: 'search "m", next page', input: { search: 'm' }, nextPage: true },
  { label: 'search "ma"', input: { search: 'ma' } },
  { label: 'search "maria" (a first name)', input: { search: 'maria' } },
  { label: 'search "Müller" (a family name)', input: { search: 'Müller' } },
  { label: 'search "sofia.rossi.1" (an address)', input: { search: 'sofia.rossi.1' } },
  { label: 'search "xq" (no match)', input: { search: 'xq' } },
  { label: 'search "s", state = active', input: { search: 's', state: 'active' } },
  { label: 'search "a", not managed, next page', input: { search: 'a', managed: false }, nextPage: true },
];

export async function runPeopleBenchmark(options: {
  members: number;
  repeats: number;
  database: 'sqlite' | 'postgres';
  postgresUrl: string;
  log: (line: string) => void;
}): Promise<PeopleBenchResult> {
  const bench = await openBenchStore({
    name: 'people',
    database: options.database,
    postgresUrl: options.postgresUrl,
  });
  const { store, schema } = bench;
  try {
    const deps = { store, clock: systemClock, ids: randomIds };
    await ensureAccount(deps, { name: 'Bench', ownerEmail: 'owner@bench.test' });
    options.log(`writing ${options.members.toLocaleString('en')} members …`);
    const now = new Date().toISOString();
    for (let start = 0; start < options.members; start += WRITE_BATCH) {
      const end = Math.min(options.members, start + WRITE_BATCH);
      await store.transaction(async (tx) => {
        for (let i = start; i < end; i++) await tx.insertMember(memberAt(i, now));
      });
    }
    if (options.database === 'postgres') {
      // What autovacuum does to a table this size soon after the load: fresh statistics.
      const client = new pg.Client({
        connectionString: options.postgresUrl,
        options: `-c search_path=${schema}`,
      });
      await client.connect();
      await client.query('VACUUM ANALYZE members');
      await client.end();
    }

    const time = async (work: () => Promise<unknown>) => {
      const times: number[] = [];
      for (let r = 0; r < options.repeats; r++) {
        const started = performance.now();
        await work();
        times.push(performance.now() - started);
      }
      times.sort((a, b) => a - b);
      const round = (ms: number) => Math.round(ms * 100) / 100;
      return { medianMs: round(times[Math.floor(times.length / 2)]!), maxMs: round(times.at(-1)!) };
    };

    const queries: PeopleQueryResult[] = [];
    for (const query of QUERIES) {
      let input = query.input;
      if (query.nextPage) {
        const first = await listPeople(deps, input);
        input = { ...input, ...(first.next === null ? {} : { after: first.next }) };
      }
      const returned = (await listPeople(deps, input)).people.length;
      const { medianMs, maxMs } = await time(() => listPeople(deps, input));
      queries.push({ label: query.label, returned, medianMs, maxMs });
      options.log(
        `${query.label.padEnd(40)} ${String(returned).padStart(3)} rows  median ${medianMs} ms  max ${maxMs} ms`,
      );
    }
    const counts = await time(() => countPeople(deps));
    options.log(
      `${'counts by state'.padEnd(40)}           median ${counts.medianMs} ms  max ${counts.maxMs} ms`,
    );
    return {
      date: new Date().toISOString(),
      database: options.database,
      members: options.members,
      repeats: options.repeats,
      countsMedianMs: counts.medianMs,
      queries,
    };
  } finally {
    await bench.close();
  }
}

/** The queries whose slowest run missed the bar. */
export function peopleMisses(result: PeopleBenchResult): PeopleQueryResult[] {
  return result.queries.filter((query) => query.maxMs > PEOPLE_BAR_MS);
}

export const PEOPLE_SECTION_START = '<!-- people-benchmark:start -->';
export const PEOPLE_SECTION_END = '<!-- people-benchmark:end -->';

export function peopleMarkdown(results: readonly PeopleBenchResult[]): string {
  const lines = [
    PEOPLE_SECTION_START,
    "## Administrators' people list",
    '',
    'Reproduce: `npm run bench -- --only PEOPLE [--people-members 100000] [--db sqlite|postgres] --write-docs`.',
    'Each page of the people list (50 members) as the use case returns it, in process: the server time of',
    'the console page or `scimbridge member list` without HTTP and rendering. Names come from 36 first and',
    '30 family names, so a one-letter search matches thousands of people. Bar: every query ≤ 100 ms.',
    '',
  ];
  for (const result of results) {
    lines.push(
      `**${result.database}, ${result.members.toLocaleString('en')} members** (${result.repeats} runs each, ` +
        `${result.date.slice(0, 10)}; counts by state: ${result.countsMedianMs} ms)`,
      '',
      '| query | members returned | median | slowest |',
      '| --- | --- | --- | --- |',
      ...result.queries.map((q) => `| ${q.label} | ${q.returned} | ${q.medianMs} ms | ${q.maxMs} ms |`),
      '',
    );
  }
  lines.push(PEOPLE_SECTION_END);
  return lines.join('\n');
}

export function splicePeopleSection(document: string, section: string): string {
  return spliceMarked(document, PEOPLE_SECTION_START, PEOPLE_SECTION_END, section);
}
