/**
 * A mail sender in its own process, for the crash test: `sender-child.ts <json options>`.
 * It runs until it is killed; it reports each claimed batch on stdout.
 */
import { createMailSender } from '../../src/account/mail/sender.ts';
import { createSmtpTransport } from '../../src/account/mail/smtp-transport.ts';
import { randomIds, systemClock } from '../../src/clock.ts';
import { createLogger } from '../../src/logging.ts';
import { openPostgresStore } from '../../src/storage/postgres/postgres-store.ts';
import { openSqliteStore } from '../../src/storage/sqlite/sqlite-store.ts';

const options = JSON.parse(process.argv[2] ?? '{}') as {
  sqlitePath?: string;
  postgres?: { connectionString: string; schema: string };
  smtpUrl: string;
  leaseMs: number;
  sendBudgetMs: number;
};
const store = options.postgres
  ? await openPostgresStore({ ...options.postgres, poolSize: 2 })
  : await openSqliteStore({ path: options.sqlitePath ?? '' });
const sender = createMailSender({
  store,
  transport: createSmtpTransport({ url: options.smtpUrl, requireTls: false, maxConnections: 1 }),
  clock: systemClock,
  ids: randomIds,
  random: Math.random,
  logger: createLogger({ level: 'silent', format: 'json' }),
  from: 'accounts@acme.test',
  pollMs: 50,
  leaseMs: options.leaseMs,
  sendBudgetMs: options.sendBudgetMs,
});
sender.start();
process.stdout.write('started\n');
