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

// A refused connection answers at once; the wait only matters on a loaded machine, where a
// short one turned a running server into a false "not reachable".
const REACH_TIMEOUT_MS = 20_000;

const inCi = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';

async function postgresProblem(): Promise<string | undefined> {
  const client = new pg.Client({
    connectionString: TEST_DATABASE_URL,
    connectionTimeoutMillis: REACH_TIMEOUT_MS,
  });
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

/** Redis for the bridge-replica tests; each test uses its own random key prefix. */
export const TEST_REDIS_URL = process.env.SCIMBRIDGE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

async function redisProblem(): Promise<string | undefined> {
  const where = new URL(TEST_REDIS_URL).host;
  const { createConnection } = await import('node:net');
  return new Promise((resolve) => {
    const socket = createConnection({
      host: new URL(TEST_REDIS_URL).hostname,
      port: Number(new URL(TEST_REDIS_URL).port || 6379),
    });
    const done = (problem: string | undefined) => {
      socket.destroy();
      resolve(problem);
    };
    socket.setTimeout(REACH_TIMEOUT_MS, () =>
      done(
        `Redis is not reachable at ${where}: install and start it, or point SCIMBRIDGE_TEST_REDIS_URL at one`,
      ),
    );
    socket.on('error', (error) =>
      done(
        `Redis is not reachable at ${where} (${error.message}): install and start it, or point SCIMBRIDGE_TEST_REDIS_URL at one`,
      ),
    );
    socket.on('data', (data) =>
      done(
        data.toString().startsWith('+PONG') || data.toString().startsWith('-NOAUTH')
          ? undefined
          : `Redis at ${where} answered ${JSON.stringify(data.toString().slice(0, 40))}`,
      ),
    );
    socket.on('connect', () => socket.write('PING\r\n'));
  });
}

const postgres = await postgresProblem();
const chromium = chromiumProblem();
const redis = await redisProblem();
if (inCi && (postgres ?? chromium ?? redis))
  throw new Error(`CI needs every part of the suite: ${postgres ?? chromium ?? redis}`);

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

/** Options for a test or suite that needs Redis: `{ skip: reason }` when it is missing. */
export const needsRedis: { skip?: string } = redis === undefined ? {} : { skip: redis };
