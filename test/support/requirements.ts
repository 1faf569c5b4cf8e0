/**
 * What the suite needs beyond Node: PostgreSQL for the PostgreSQL half, Chromium for the page
 * tests. On a laptop without one of them `npm test` runs everything else, and each file
 * that needed it reports one skipped test that says what to install. In CI (`CI` set) both
 * are required: a missing one fails the run instead of shrinking it.
 */
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import pg from 'pg';
import { CHROMIUM_PATH } from './chromium.ts';

export const TEST_DATABASE_URL =
  process.env.SCIMBRIDGE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const inCi = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';

async function postgresProblem(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    return undefined;
  } catch (error) {
    const where = new URL(TEST_DATABASE_URL).host;
    return `PostgreSQL is not reachable at ${where} (${(error as Error).message}): install and start it, or point SCIMBRIDGE_TEST_DATABASE_URL at one`;
  } finally {
    await client.end().catch(() => {});
  }
}

function chromiumProblem(): string | undefined {
  return existsSync(CHROMIUM_PATH)
    ? undefined
    : `Chromium is not at ${CHROMIUM_PATH}: install it (Debian: apt-get install chromium)`;
}

const postgres = await postgresProblem();
const chromium = chromiumProblem();
if (inCi && (postgres ?? chromium))
  throw new Error(`CI needs every part of the suite: ${postgres ?? chromium}`);

let notedPostgres = false;

/** The databases this file's tests run on; without PostgreSQL, one skipped test says why. */
export function testDatabases(): Array<'sqlite' | 'postgres'> {
  if (postgres === undefined) return ['sqlite', 'postgres'];
  if (!notedPostgres) {
    notedPostgres = true;
    test('the PostgreSQL half of this file', { skip: postgres }, () => {});
  }
  return ['sqlite'];
}

/** Options for a test or suite that needs PostgreSQL: `{ skip: reason }` when it is missing. */
export const needsPostgres: { skip?: string } = postgres === undefined ? {} : { skip: postgres };

/** Options for a test or suite that needs Chromium: `{ skip: reason }` when it is missing. */
export const needsChromium: { skip?: string } = chromium === undefined ? {} : { skip: chromium };
