/**
 * The composition root: the only place that knows the concrete store, client, servers and
 * credentials. `startSystem` runs the account server and one bridge in one process (the
 * default `npm start`); the bridge still reaches the account only through AccountClient.
 */
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { SignupSettings } from './account/deps.ts';
import { ensureAccount } from './account/ensure-account.ts';
import { createInProcessAccountClient } from './account/in-process-client.ts';
import { createMailSender, type MailSender } from './account/mail/sender.ts';
import { createSmtpTransport } from './account/mail/smtp-transport.ts';
import { describeSmtpUrl } from './account/mail/smtp-url.ts';
import { createAccountServer } from './account/server.ts';
import type { Store } from './account/store.ts';
import { createBridgeApp } from './bridge/app.ts';
import { createAuthFailureLimiter } from './bridge/auth-rate-limit.ts';
import { createTokenVerifier } from './bridge/credentials/token-verifier.ts';
import { createAuthenticator } from './bridge/scim/auth.ts';
import { type Clock, type IdGenerator, randomIds, systemClock } from './clock.ts';
import type { Config } from './config.ts';
import { openStore } from './storage/open-store.ts';

export const VERSION = '0.1.0';

export interface RunningSystem {
  store: Store;
  accountServer: FastifyInstance;
  bridge: FastifyInstance;
  /** Where each listens, e.g. http://127.0.0.1:8080 (the real port when 0 was asked for). */
  accountAddress: string;
  bridgeAddress: string;
  /** Drains the outbox over SMTP; absent when no SMTP URL is configured (mail stays queued). */
  mailSender: MailSender | undefined;
  close(): Promise<void>;
}

export interface SystemDeps {
  logger: Logger;
  clock?: Clock;
  ids?: IdGenerator;
  /** Replaces the store that the config names (tests). */
  store?: Store;
  /** Uniform in [0, 1): jitter for mail retries. */
  random?: () => number;
}

/** Invitation and member sign-in settings from the config (shared by the server and the CLI). */
export function signupSettingsOf(config: Config): SignupSettings {
  return {
    accountUrl: config.accountUrl,
    invitationValidityMs: config.invitationValidityHours * 3600 * 1000,
    passwordIterations: config.passwordIterations,
    memberSessionMs: config.memberSessionHours * 3600 * 1000,
  };
}

export async function startSystem(config: Config, deps: SystemDeps): Promise<RunningSystem> {
  const clock = deps.clock ?? systemClock;
  const ids = deps.ids ?? randomIds;
  const { logger } = deps;
  const store = deps.store ?? (await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }));
  const signup = signupSettingsOf(config);
  const accountDeps = { store, clock, ids, accountUrl: config.accountUrl, signup };
  await ensureAccount(accountDeps, { name: config.accountName, ownerEmail: config.ownerEmail });

  const client = createInProcessAccountClient(accountDeps);
  const verifier = createTokenVerifier({
    sessionPath: config.sessionPath,
    sessionBase64: config.sessionBase64,
    defaultPath: path.join(config.dataDir, 'scimsession'),
    clock,
  });
  const auth = createAuthenticator(verifier, createAuthFailureLimiter({ clock }), client);

  const bridge = await createBridgeApp({
    scim: {
      client,
      maxPageSize: config.maxPageSize,
      defaultPageSize: 100,
      bulkMaxOperations: config.bulkMaxOperations,
      maxBodyBytes: config.maxBodyBytes,
    },
    publicUrl: config.publicBridgeUrl,
    auth,
    logger: logger.child({ part: 'bridge' }),
    trustProxy: config.trustProxy,
    version: VERSION,
  });
  const accountServer = await createAccountServer({
    store,
    logger: logger.child({ part: 'account' }),
    bridgeUrl: config.publicBridgeUrl,
    trustProxy: config.trustProxy,
    deps: accountDeps,
  });

  let accountAddress: string;
  let bridgeAddress: string;
  try {
    accountAddress = await accountServer.listen({ host: config.host, port: config.consolePort });
    bridgeAddress = await bridge.listen({ host: config.host, port: config.bridgePort });
  } catch (error) {
    await Promise.allSettled([accountServer.close(), bridge.close()]);
    await store.close();
    throw error;
  }

  const mailLogger = logger.child({ part: 'mail' });
  let mailSender: MailSender | undefined;
  if (config.smtpUrl === undefined) {
    mailLogger.info(
      'no SMTP server configured (SCIMBRIDGE_SMTP_URL): e-mail stays queued; read it with `scimbridge mail list`',
    );
  } else {
    mailSender = createMailSender({
      store,
      transport: createSmtpTransport({
        url: config.smtpUrl,
        requireTls: config.smtpRequireTls,
        maxConnections: config.smtpPoolSize,
      }),
      clock,
      ids,
      random: deps.random ?? Math.random,
      logger: mailLogger,
      from: config.mailFrom,
      concurrency: 2 * config.smtpPoolSize,
    });
    mailSender.start();
    mailLogger.info({ smtp: describeSmtpUrl(config.smtpUrl), from: config.mailFrom }, 'mail sender started');
  }

  return {
    store,
    accountServer,
    bridge,
    accountAddress,
    bridgeAddress,
    mailSender,
    async close() {
      // Finish in-flight requests and the mail batch in flight, then release the database.
      await Promise.allSettled([bridge.close(), accountServer.close(), mailSender?.stop()]);
      await store.close();
    },
  };
}
