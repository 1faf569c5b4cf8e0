// `npm test`: every *.test.ts under src, test and bench through node's test runner. Files that
// need what this machine lacks are left out with one line each saying what to install:
// test/browser/ needs Chromium, src/storage/postgres/ needs PostgreSQL (files that run on both
// databases skip their PostgreSQL half themselves, test/support/requirements.ts). In CI (`CI`
// set) nothing is left out: a missing part fails the run.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const root = fileURLToPath(new URL('..', import.meta.url));
const inCi = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';
const databaseUrl = process.env.SCIMBRIDGE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : testFiles(path);
    return entry.name.endsWith('.test.ts') ? [relative(root, path)] : [];
  });
}

async function postgresProblem() {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    return undefined;
  } catch (error) {
    return `PostgreSQL is not reachable at ${new URL(databaseUrl).host} (${error.message}): install and start it, or set SCIMBRIDGE_TEST_DATABASE_URL`;
  } finally {
    await client.end().catch(() => {});
  }
}

const requested = process.argv.slice(2);
let files =
  requested.length > 0
    ? requested
    : ['src', 'test', 'bench'].flatMap((dir) => testFiles(join(root, dir))).sort();

if (!inCi && requested.length === 0) {
  const needs = [
    {
      folder: 'test/browser/',
      problem: existsSync('/usr/bin/chromium')
        ? undefined
        : 'Chromium is not at /usr/bin/chromium: install it (Debian: apt-get install chromium)',
    },
    { folder: 'src/storage/postgres/', problem: await postgresProblem() },
  ];
  for (const { folder, problem } of needs) {
    if (problem === undefined) continue;
    for (const file of files.filter((name) => name.startsWith(folder)))
      console.log(`skipped ${file}: ${problem}`);
    files = files.filter((name) => !name.startsWith(folder));
  }
}

const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], {
  cwd: root,
  stdio: 'inherit',
});
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
