/** Configuration, read once at start from flags and environment (flags win); nothing else reads `process.env`. */
import path from 'node:path';
import { parseSmtpUrl } from './account/mail/smtp-url.ts';
import { parseIdpCycles } from './bridge/idp-cycles.ts';
import type { IdpName } from './bridge/idp-detect.ts';

export type LogFormat = 'json' | 'pretty';

export interface Config {
  dataDir: string;
  databaseUrl: string | undefined;
  host: string;
  consolePort: number;
  bridgePort: number;
  /** The account server's address as the bridge and members reach it. */
  accountUrl: string;
  /** The bridge's address as IdPs reach it; SCIM `meta.location` is built from it. */
  publicBridgeUrl: string;
  sessionPath: string | undefined;
  sessionBase64: string | undefined;
  /** The Google Workspace sync (P21): the service-account key file, or its base64. */
  googleKeyFile: string | undefined;
  googleKeyBase64: string | undefined;
  /** Where the sync's settings are kept; default `<dataDir>/google-sync.json`. */
  googleSettingsFile: string;
  googleSyncMinutes: number;
  /** A run that would suspend more than this share of active members stops instead. */
  googleSuspendLimitPercent: number;
  /** Google's API and token addresses; set only to reach Google through a gateway (or a test fake). */
  googleApiUrl: string | undefined;
  googleTokenUrl: string | undefined;
  /** Bearer-token file read at start, so the watcher starts at boot rather than at the first IdP request (P11 opt-in). */
  tokenFile: string | undefined;
  accountName: string;
  ownerEmail: string;
  logLevel: string;
  logFormat: LogFormat;
  maxBodyBytes: number;
  maxPageSize: number;
  bulkMaxOperations: number;
  /** Whether X-Forwarded-For names the client: `true` trusts any proxy; a list of addresses/CIDRs trusts only those. */
  trustProxy: boolean | string;
  /** PEM certificate and key files: serve HTTPS instead of HTTP (both servers). */
  tlsCert: string | undefined;
  tlsKey: string | undefined;
  /** Overrides the session file's account URL when set explicitly. */
  accountUrlOverride: string | undefined;
  /** The network list behind the firewall's listed-networks rule (docs/configuration.md). */
  networkListFile: string | undefined;
  /** Recent log lines the bridge keeps for the status page's download; 0 keeps none (stdout only). */
  logBufferLines: number;
  /** Minutes per IdP after which silence is flagged on the status page; 0 for none (idp-cycles.ts). */
  idpCycles: Partial<Record<IdpName, number>>;
  /** The account server's health monitor (P7): off unless turned on. */
  monitor: boolean;
  monitorIntervalSeconds: number;
  /** Failed checks in a row before a bridge counts as offline. */
  monitorFailures: number;
  /** Least time between two notices about one bridge. */
  monitorNoticeIntervalMinutes: number;
  /** The bridges to watch; default: the public bridge URL. */
  monitorBridgeUrls: string[];
  /** The monitoring token the monitor presents (env only: a secret); one-process mode makes its own when unset. */
  monitorToken: string | undefined;
  /** Seconds between provision watcher runs (P10); at least 30. */
  confirmationInterval: number;
  /** smtp:// or smtps:// URL of the mail server; without it mail stays queued (readable with `scimbridge mail`). */
  smtpUrl: string | undefined;
  /** The Redis bridge replicas share; without it each bridge works alone. */
  redisUrl: string | undefined;
  /** Starts every key the bridges write to Redis, so several deployments can share one Redis. */
  redisPrefix: string;
  mailFrom: string;
  /** With smtp://, refuse to send unless the server upgrades the connection with STARTTLS. */
  smtpRequireTls: boolean;
  smtpPoolSize: number;
  /** How long an invitation link works, in hours. */
  invitationValidityHours: number;
  /** PBKDF2 iterations for new sealed keys and sign-in proofs; never lower than 1,000. */
  passwordIterations: number;
  memberSessionHours: number;
  /** The key sealing links in queued mail (env only: a secret); unset, it lives in `<dataDir>/outbox.key`. */
  outboxKey: string | undefined;
}

export type ConfigFlags = Partial<Record<keyof Config, string | boolean | undefined>>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** `address` or `Display Name <address>`, one line, no angle brackets in the name. */
const MAIL_FROM_SHAPE = /^(?:[^<>\r\n]*<[^\s<>@]+@[A-Za-z0-9.-]+>|[^\s<>@]+@[A-Za-z0-9.-]+)$/;
/** The words that turn a switch on; with their opposites, the only ones a checked switch takes. */
const TRUE_WORDS = ['true', '1', 'yes'];
const BOOLEAN_WORDS = [...TRUE_WORDS, 'false', '0', 'no'];

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Settings whose flag is not the config key in kebab case (see cli/options.ts). */
const FLAG_NAMES: Partial<Record<keyof Config, string>> = {
  publicBridgeUrl: '--public-url',
  monitorIntervalSeconds: '--monitor-interval',
  monitorNoticeIntervalMinutes: '--monitor-notice-interval',
  monitorBridgeUrls: '--monitor-bridges',
  networkListFile: '--network-list',
};

/** The command-line flag that sets `key`, as an operator types it. */
export function flagNameOf(key: keyof Config): string {
  return FLAG_NAMES[key] ?? `--${key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
}

export function loadConfig(env: NodeJS.ProcessEnv, flags: ConfigFlags = {}, cwd = process.cwd()): Config {
  const pick = (key: keyof Config, envName: string): string | undefined => {
    const flag = flags[key];
    if (typeof flag === 'string' && flag !== '') return flag;
    if (typeof flag === 'boolean') return String(flag);
    const fromEnv = env[envName];
    return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
  };
  // An error names the setting as it was given: the flag when a flag was, else the variable.
  const nameOf = (key: keyof Config, envName: string): string => {
    const flag = flags[key];
    return (typeof flag === 'string' && flag !== '') || typeof flag === 'boolean' ? flagNameOf(key) : envName;
  };
  const port = (key: keyof Config, envName: string, fallback: number): number => {
    const raw = pick(key, envName);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0 || value > 65535) {
      throw new ConfigError(`${nameOf(key, envName)} must be a port number from 0 to 65535, not "${raw}"`);
    }
    return value;
  };
  const positive = (key: keyof Config, envName: string, fallback: number, max: number): number => {
    const raw = pick(key, envName);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1 || value > max) {
      throw new ConfigError(`${nameOf(key, envName)} must be a whole number from 1 to ${max}, not "${raw}"`);
    }
    return value;
  };
  const url = (key: keyof Config, envName: string, fallback: string): string => {
    const raw = pick(key, envName) ?? fallback;
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw new ConfigError(`${nameOf(key, envName)} must be an http(s) URL, not "${raw}"`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new ConfigError(`${nameOf(key, envName)} must be an http(s) URL, not "${raw}"`);
    }
    return raw.replace(/\/+$/, '');
  };

  const consolePort = port('consolePort', 'SCIMBRIDGE_CONSOLE_PORT', 8080);
  const bridgePort = port('bridgePort', 'SCIMBRIDGE_BRIDGE_PORT', 3002);
  const logLevel = (pick('logLevel', 'SCIMBRIDGE_LOG_LEVEL') ?? 'info').toLowerCase();
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(
      `${nameOf('logLevel', 'SCIMBRIDGE_LOG_LEVEL')} must be one of ${LOG_LEVELS.join(', ')}, not "${logLevel}"`,
    );
  }
  const logFormat = (pick('logFormat', 'SCIMBRIDGE_LOG_FORMAT') ?? 'json').toLowerCase();
  if (logFormat !== 'json' && logFormat !== 'pretty') {
    throw new ConfigError(
      `${nameOf('logFormat', 'SCIMBRIDGE_LOG_FORMAT')} must be json or pretty, not "${logFormat}"`,
    );
  }
  const databaseUrl = pick('databaseUrl', 'DATABASE_URL');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError(
      `${nameOf('databaseUrl', 'DATABASE_URL')} must be a postgres:// or postgresql:// URL (leave it unset for SQLite)`,
    );
  }
  const idpCyclesRaw = pick('idpCycles', 'SCIMBRIDGE_IDP_CYCLES');
  let idpCycles: Partial<Record<IdpName, number>> = {};
  try {
    idpCycles = idpCyclesRaw === undefined ? {} : parseIdpCycles(idpCyclesRaw);
  } catch (error) {
    throw new ConfigError(`${nameOf('idpCycles', 'SCIMBRIDGE_IDP_CYCLES')}: ${(error as Error).message}`);
  }
  const confirmationRaw = pick('confirmationInterval', 'SCIMBRIDGE_CONFIRMATION_INTERVAL');
  const confirmationInterval = confirmationRaw === undefined ? 300 : Number(confirmationRaw);
  if (!Number.isInteger(confirmationInterval) || confirmationInterval < 30 || confirmationInterval > 86400) {
    throw new ConfigError(
      `${nameOf('confirmationInterval', 'SCIMBRIDGE_CONFIRMATION_INTERVAL')} must be a whole number of seconds from 30 to 86400, not "${confirmationRaw}"`,
    );
  }
  const trustProxy = parseTrustProxy(
    pick('trustProxy', 'SCIMBRIDGE_TRUST_PROXY') ?? 'false',
    nameOf('trustProxy', 'SCIMBRIDGE_TRUST_PROXY'),
  );
  const tlsCert = pick('tlsCert', 'SCIMBRIDGE_TLS_CERT');
  const tlsKey = pick('tlsKey', 'SCIMBRIDGE_TLS_KEY');
  if ((tlsCert === undefined) !== (tlsKey === undefined)) {
    throw new ConfigError(
      '--tls-cert and --tls-key (SCIMBRIDGE_TLS_CERT, SCIMBRIDGE_TLS_KEY) go together: give both files, or neither',
    );
  }
  const explicitAccountUrl = pick('accountUrl', 'SCIMBRIDGE_ACCOUNT_URL');
  const monitor = (pick('monitor', 'SCIMBRIDGE_MONITOR') ?? 'false').toLowerCase();
  const wholeNumber = (
    key: keyof Config,
    envName: string,
    fallback: number,
    min: number,
    max: number,
  ): number => {
    const raw = pick(key, envName);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new ConfigError(
        `${nameOf(key, envName)} must be a whole number from ${min} to ${max}, not "${raw}"`,
      );
    }
    return value;
  };
  const publicBridgeUrl = url('publicBridgeUrl', 'SCIMBRIDGE_PUBLIC_URL', `http://localhost:${bridgePort}`);
  const monitorBridgeUrls = (pick('monitorBridgeUrls', 'SCIMBRIDGE_MONITOR_BRIDGES') ?? publicBridgeUrl)
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      try {
        const parsed = new URL(entry);
        if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return entry.replace(/\/+$/, '');
      } catch {}
      throw new ConfigError(
        `${nameOf('monitorBridgeUrls', 'SCIMBRIDGE_MONITOR_BRIDGES')} must be a comma-separated list of http(s) URLs, not "${entry}"`,
      );
    });
  const monitorToken = env.SCIMBRIDGE_MONITOR_TOKEN === '' ? undefined : env.SCIMBRIDGE_MONITOR_TOKEN;
  if (monitorToken !== undefined && !/^sbm_[A-Za-z0-9_-]{43}$/.test(monitorToken)) {
    // Never echo the value: it is a secret, even when mistyped.
    throw new ConfigError('SCIMBRIDGE_MONITOR_TOKEN must be a monitoring token (sbm_ and 43 characters)');
  }
  const outboxKey = env.SCIMBRIDGE_OUTBOX_KEY?.trim();
  if (outboxKey !== undefined && outboxKey !== '' && !/^[A-Za-z0-9_+/-]{43}=?$/.test(outboxKey)) {
    // Never echo the value: it is a secret, even when mistyped.
    throw new ConfigError(
      'SCIMBRIDGE_OUTBOX_KEY must be 32 random bytes in base64 (make one with: openssl rand -base64 32)',
    );
  }
  const smtpUrl = pick('smtpUrl', 'SCIMBRIDGE_SMTP_URL');
  if (smtpUrl !== undefined) {
    try {
      parseSmtpUrl(smtpUrl);
    } catch (error) {
      // The message never repeats the URL: it may hold the SMTP password.
      throw new ConfigError(`${nameOf('smtpUrl', 'SCIMBRIDGE_SMTP_URL')} ${(error as Error).message}`);
    }
  }
  const redisUrl = pick('redisUrl', 'SCIMBRIDGE_REDIS_URL');
  if (redisUrl !== undefined) {
    let protocol: string | undefined;
    try {
      protocol = new URL(redisUrl).protocol;
    } catch {}
    // The message never repeats the URL: it may hold the Redis password.
    if (protocol !== 'redis:' && protocol !== 'rediss:')
      throw new ConfigError(
        `${nameOf('redisUrl', 'SCIMBRIDGE_REDIS_URL')} must be a redis:// or rediss:// URL (redis://:password@host:6379/0)`,
      );
  }
  const accountUrl = url('accountUrl', 'SCIMBRIDGE_ACCOUNT_URL', `http://localhost:${consolePort}`);
  const mailFrom =
    pick('mailFrom', 'SCIMBRIDGE_MAIL_FROM') ?? `scimbridge <no-reply@${new URL(accountUrl).hostname}>`;
  if (!MAIL_FROM_SHAPE.test(mailFrom)) {
    throw new ConfigError(
      `${nameOf('mailFrom', 'SCIMBRIDGE_MAIL_FROM')} must be an address or "Name <address>", not "${mailFrom.replace(/[\r\n]/g, ' ')}"`,
    );
  }
  const requireTls = (pick('smtpRequireTls', 'SCIMBRIDGE_SMTP_REQUIRE_TLS') ?? 'true').toLowerCase();
  if (!BOOLEAN_WORDS.includes(requireTls)) {
    throw new ConfigError(
      `${nameOf('smtpRequireTls', 'SCIMBRIDGE_SMTP_REQUIRE_TLS')} must be true or false, not "${requireTls}"`,
    );
  }
  const passwordIterations = Number(pick('passwordIterations', 'SCIMBRIDGE_PASSWORD_ITERATIONS') ?? 600_000);
  if (
    !Number.isInteger(passwordIterations) ||
    passwordIterations < 1_000 ||
    passwordIterations > 10_000_000
  ) {
    throw new ConfigError(
      `${nameOf('passwordIterations', 'SCIMBRIDGE_PASSWORD_ITERATIONS')} must be a whole number from 1000 to 10000000 (default 600000; lower only in tests), not "${pick('passwordIterations', 'SCIMBRIDGE_PASSWORD_ITERATIONS')}"`,
    );
  }

  return {
    dataDir: path.resolve(cwd, pick('dataDir', 'SCIMBRIDGE_DATA_DIR') ?? './data'),
    databaseUrl,
    host: pick('host', 'SCIMBRIDGE_HOST') ?? '127.0.0.1',
    consolePort,
    bridgePort,
    accountUrl,
    publicBridgeUrl,
    sessionPath: pick('sessionPath', 'SCIMBRIDGE_SESSION'),
    sessionBase64: pick('sessionBase64', 'SCIMBRIDGE_SESSION_B64'),
    googleKeyFile: (() => {
      const file = pick('googleKeyFile', 'SCIMBRIDGE_GOOGLE_KEY_FILE');
      return file && path.resolve(cwd, file);
    })(),
    googleKeyBase64: pick('googleKeyBase64', 'SCIMBRIDGE_GOOGLE_KEY_B64'),
    googleSettingsFile: path.resolve(
      cwd,
      pick('googleSettingsFile', 'SCIMBRIDGE_GOOGLE_SETTINGS') ??
        path.join(pick('dataDir', 'SCIMBRIDGE_DATA_DIR') ?? './data', 'google-sync.json'),
    ),
    googleSyncMinutes: wholeNumber('googleSyncMinutes', 'SCIMBRIDGE_GOOGLE_SYNC_MINUTES', 5, 1, 1440),
    googleSuspendLimitPercent: wholeNumber(
      'googleSuspendLimitPercent',
      'SCIMBRIDGE_GOOGLE_SUSPEND_LIMIT',
      10,
      1,
      100,
    ),
    googleApiUrl: (() => {
      const value = pick('googleApiUrl', 'SCIMBRIDGE_GOOGLE_API_URL');
      return value && url('googleApiUrl', 'SCIMBRIDGE_GOOGLE_API_URL', value);
    })(),
    googleTokenUrl: (() => {
      const value = pick('googleTokenUrl', 'SCIMBRIDGE_GOOGLE_TOKEN_URL');
      return value && url('googleTokenUrl', 'SCIMBRIDGE_GOOGLE_TOKEN_URL', value);
    })(),
    tokenFile: (() => {
      const file = pick('tokenFile', 'SCIMBRIDGE_TOKEN_FILE');
      return file && path.resolve(cwd, file);
    })(),
    accountName: pick('accountName', 'SCIMBRIDGE_ACCOUNT_NAME') ?? 'My Team',
    ownerEmail: pick('ownerEmail', 'SCIMBRIDGE_OWNER_EMAIL') ?? 'owner@example.com',
    logLevel,
    logFormat,
    maxBodyBytes: positive('maxBodyBytes', 'SCIMBRIDGE_MAX_BODY_BYTES', 1024 * 1024, 64 * 1024 * 1024),
    maxPageSize: positive('maxPageSize', 'SCIMBRIDGE_MAX_PAGE_SIZE', 1000, 10000),
    bulkMaxOperations: positive('bulkMaxOperations', 'SCIMBRIDGE_BULK_MAX_OPERATIONS', 1000, 10000),
    trustProxy,
    tlsCert: tlsCert && path.resolve(cwd, tlsCert),
    tlsKey: tlsKey && path.resolve(cwd, tlsKey),
    accountUrlOverride: explicitAccountUrl && url('accountUrl', 'SCIMBRIDGE_ACCOUNT_URL', explicitAccountUrl),
    networkListFile: (() => {
      const file = pick('networkListFile', 'SCIMBRIDGE_NETWORK_LIST');
      return file && path.resolve(cwd, file);
    })(),
    idpCycles,
    logBufferLines: wholeNumber('logBufferLines', 'SCIMBRIDGE_LOG_BUFFER_LINES', 2000, 0, 100000),
    monitor: TRUE_WORDS.includes(monitor),
    monitorIntervalSeconds: wholeNumber(
      'monitorIntervalSeconds',
      'SCIMBRIDGE_MONITOR_INTERVAL',
      60,
      5,
      86400,
    ),
    monitorFailures: wholeNumber('monitorFailures', 'SCIMBRIDGE_MONITOR_FAILURES', 3, 1, 100),
    monitorNoticeIntervalMinutes: wholeNumber(
      'monitorNoticeIntervalMinutes',
      'SCIMBRIDGE_MONITOR_NOTICE_INTERVAL',
      30,
      0,
      10080,
    ),
    monitorBridgeUrls,
    monitorToken,
    confirmationInterval,
    smtpUrl,
    redisUrl,
    redisPrefix: (() => {
      const prefix = pick('redisPrefix', 'SCIMBRIDGE_REDIS_PREFIX') ?? 'scimbridge:';
      if (!/^[A-Za-z0-9:_.-]{1,64}$/.test(prefix))
        throw new ConfigError(
          `${nameOf('redisPrefix', 'SCIMBRIDGE_REDIS_PREFIX')} must be 1 to 64 letters, digits or : _ . -, not "${prefix}"`,
        );
      return prefix;
    })(),
    mailFrom,
    smtpRequireTls: TRUE_WORDS.includes(requireTls),
    smtpPoolSize: positive('smtpPoolSize', 'SCIMBRIDGE_SMTP_POOL_SIZE', 5, 50),
    invitationValidityHours: positive(
      'invitationValidityHours',
      'SCIMBRIDGE_INVITATION_VALIDITY_HOURS',
      168,
      24 * 90,
    ),
    passwordIterations,
    memberSessionHours: positive('memberSessionHours', 'SCIMBRIDGE_MEMBER_SESSION_HOURS', 12, 24 * 30),
    outboxKey: outboxKey === '' ? undefined : outboxKey,
  };
}

/** `true`/`false` (and 1/0, yes/no), or a list of proxy addresses and CIDR ranges. */
function parseTrustProxy(raw: string, name: string): boolean | string {
  const text = raw.trim().toLowerCase();
  if (TRUE_WORDS.includes(text)) return true;
  if (['false', '0', 'no', ''].includes(text)) return false;
  const entries = text.split(',').map((entry) => entry.trim());
  if (entries.some((entry) => !/^[0-9a-f.:]+(\/\d{1,3})?$/.test(entry))) {
    throw new ConfigError(
      `${name} must be true, false, or a comma-separated list of proxy addresses or CIDR ranges, not "${raw}"`,
    );
  }
  return entries.join(',');
}
