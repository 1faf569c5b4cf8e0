/**
 * A whole scimbridge (account server + bridge) on loopback ports chosen by the OS, with
 * fresh credentials, for end-to-end tests over real HTTP. Every log line is kept so that
 * tests can check what operators would see, and that no secret ever reaches the log.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AccountClient } from '../../src/account/client.ts';
import { loadOutboxKey, OUTBOX_KEY_FILE_NAME } from '../../src/account/mail/outbox-key-file.ts';
import { openLinks } from '../../src/account/mail/outbox-seal.ts';
import type { OutboxMessage } from '../../src/account/model.ts';
import { setupProvisioning } from '../../src/account/setup-provisioning.ts';
import type { Store } from '../../src/account/store.ts';
import type { WatcherStatusSource } from '../../src/bridge/watcher-status.ts';
import { type Clock, randomIds, systemClock } from '../../src/clock.ts';
import { loadConfig } from '../../src/config.ts';
import { RecentLogLines } from '../../src/logging.ts';
import { type RunningSystem, startSystem } from '../../src/main.ts';
import { openPostgresStore } from '../../src/storage/postgres/postgres-store.ts';
import { loggerInto } from './log-lines.ts';
import { execCli } from './processes.ts';

export const TEST_DATABASE_URL =
  process.env.SCIMBRIDGE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface ScimResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined for an empty body. */
  // biome-ignore lint/suspicious/noExplicitAny: tests read response bodies freely
  body: any;
  text: string;
}

export interface TestSystem {
  system: RunningSystem;
  store: Store;
  dataDir: string;
  /** The PostgreSQL schema of this system's tables; undefined on SQLite (`<dataDir>/scimbridge.db`). */
  schema: string | undefined;
  token: string;
  /** e.g. http://127.0.0.1:40123/scim/v2 */
  scimUrl: string;
  logLines: string[];
  /** What the bridge keeps for the status page's log download. */
  recentLogs: RecentLogLines;
  /**
   * Every secret this system used: tokens, session-file contents, and whatever a test adds
   * (status-page cookies, monitoring tokens). `close` fails if any of them reached a log line.
   */
  secrets: Set<string>;
  scim(
    method: string,
    pathAndQuery: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<ScimResponse>;
  /**
   * The link of an outbox message, opened with this system's outbox key as the mail sender
   * opens it (rows hold links sealed; a copy of the database has no usable link).
   */
  mailLink(message: OutboxMessage): string;
  /**
   * Regenerates credentials: writes the new session file where the bridge reads it; returns the
   * new token. With `newIntegration` it re-creates the integration instead (P20).
   */
  regenerate(options?: { newIntegration?: boolean }): Promise<string>;
  close(): Promise<void>;
}

export async function startTestSystem(
  options: {
    db?: 'sqlite' | 'postgres';
    env?: Record<string, string>;
    watcher?: WatcherStatusSource;
    wrapAccountClient?: (client: AccountClient) => AccountClient;
    /** Default: SCIMBRIDGE_TEST_TRANSPORT=http runs every e2e test over the account API. */
    accountTransport?: 'in-process' | 'http';
    /** An existing folder to run in (e.g. on a small file system); the caller removes it. */
    dataDir?: string;
    /** The system's clock (default: the machine's), e.g. one a test moves on. */
    clock?: Clock;
  } = {},
): Promise<TestSystem> {
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'scimbridge-test-')));
  const config = loadConfig({
    SCIMBRIDGE_DATA_DIR: dataDir,
    SCIMBRIDGE_CONSOLE_PORT: '0',
    SCIMBRIDGE_BRIDGE_PORT: '0',
    SCIMBRIDGE_PUBLIC_URL: 'https://bridge.test',
    SCIMBRIDGE_LOG_LEVEL: 'info',
    ...options.env,
  });
  const logLines: string[] = [];
  const recentLogs = new RecentLogLines();
  const secrets = new Set<string>();
  const logger = loggerInto(logLines, { recent: recentLogs });
  let schema: string | undefined;
  let store: Store | undefined;
  if (options.db === 'postgres') {
    schema = `e2e_${randomBytes(6).toString('hex')}`;
    store = await openPostgresStore({ connectionString: TEST_DATABASE_URL, schema });
  }
  const accountTransport =
    options.accountTransport ?? (process.env.SCIMBRIDGE_TEST_TRANSPORT === 'http' ? 'http' : 'in-process');
  const system = await startSystem(config, {
    logger,
    store,
    recentLogs,
    accountTransport,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.watcher ? { watcherStatus: options.watcher } : {}),
    ...(options.wrapAccountClient ? { wrapAccountClient: options.wrapAccountClient } : {}),
  });
  const deps = { store: system.store, clock: systemClock, ids: randomIds };

  const regenerate = async (again: { newIntegration?: boolean } = {}) => {
    const credentials = await setupProvisioning(deps, {
      accountUrl: config.accountUrl,
      newIntegration: again.newIntegration === true,
    });
    secrets.add(credentials.token);
    secrets.add(credentials.sessionFile.blob);
    await writeFile(path.join(dataDir, 'scimsession'), JSON.stringify(credentials.sessionFile), {
      mode: 0o600,
    });
    return credentials.token;
  };
  const token = await regenerate();
  // The owner's setup link is a secret too: its token must never reach a log line.
  if (system.ownerSetupLink !== undefined)
    secrets.add(new URL(system.ownerSetupLink).pathname.split('/').pop()!);
  const scimUrl = `${system.bridgeAddress}/scim/v2`;

  const testSystem: TestSystem = {
    system,
    store: system.store,
    dataDir,
    schema,
    token,
    scimUrl,
    logLines,
    recentLogs,
    secrets,
    regenerate,
    mailLink(message) {
      const key = loadOutboxKey({
        value: config.outboxKey,
        file: path.join(dataDir, OUTBOX_KEY_FILE_NAME),
        create: false,
      });
      const context = { messageId: message.id, template: message.template, to: message.to };
      return String(openLinks(key?.seal, context, message.data).link);
    },
    async scim(method, pathAndQuery, body, headers = {}) {
      const response = await fetch(`${scimUrl}${pathAndQuery}`, {
        method,
        headers: {
          authorization: `Bearer ${testSystem.token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/scim+json; charset=utf-8' }),
          ...headers,
        },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await response.text();
      return {
        status: response.status,
        headers: response.headers,
        body: text === '' ? undefined : JSON.parse(text),
        text,
      };
    },
    async close() {
      await system.close();
      assertNoSecretLogged(logLines, secrets);
      if (schema !== undefined) {
        const { default: pg } = await import('pg');
        const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await client.end();
      }
      if (options.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
    },
  };
  return testSystem;
}

/**
 * P8: fails when any line holds any of the secrets. The message names the line number and
 * what kind of secret it was, never the secret, so a failing test does not leak it either.
 */
/**
 * Runs a short command on the machine of `sys`, as its operator would: this process's
 * environment with the test system's data directory and account address.
 */
export function execCliOn(
  sys: TestSystem,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  return execCli(args, {
    ...process.env,
    SCIMBRIDGE_DATA_DIR: sys.dataDir,
    SCIMBRIDGE_ACCOUNT_URL: sys.system.accountAddress,
  });
}

/**
 * Until `ready` holds: the account and the HTTP client cache an answer for about a second;
 * the bound is generous for a loaded machine.
 */
export async function eventually(ready: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within 15 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The bridge's /health report, read with a monitoring `token`. */
// biome-ignore lint/suspicious/noExplicitAny: tests read the report freely
export async function healthReport(sys: TestSystem, token: string): Promise<any> {
  const response = await fetch(`${sys.system.bridgeAddress}/health`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return response.json();
}

/**
 * The /health report once `ready` holds (or, after 5 s, whatever it says then). A change
 * reaches it within about a second: the account caches the integration (and the HTTP client
 * a confirmation) for one second, and the bridge looks at the session file at most once a
 * second.
 */
export async function healthWhen(
  sys: TestSystem,
  token: string,
  // biome-ignore lint/suspicious/noExplicitAny: tests read the report freely
  ready: (report: any) => boolean,
  // biome-ignore lint/suspicious/noExplicitAny: tests read the report freely
): Promise<any> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const report = await healthReport(sys, token);
    if (ready(report) || Date.now() > deadline) return report;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function assertNoSecretLogged(lines: readonly string[], secrets: Iterable<string>): void {
  const list = [...secrets].filter((secret) => secret.length >= 16);
  lines.forEach((line, index) => {
    for (const secret of list) {
      if (line.includes(secret)) {
        throw new Error(
          `log line ${index + 1} contains a secret (${secret.slice(0, 4)}…, ${secret.length} characters); message: ${JSON.parse(line).msg ?? '?'}`,
        );
      }
    }
  });
}

export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

export function patch(...operations: unknown[]) {
  return { schemas: [PATCH_OP], Operations: operations };
}
