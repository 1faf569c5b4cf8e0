/**
 * Every environment variable scimbridge reads. A start-up warning names any other
 * `SCIMBRIDGE_*` variable, so a misspelt setting is not silently ignored (a test keeps this
 * list complete against the source).
 */
export const KNOWN_SETTINGS: ReadonlySet<string> = new Set([
  'SCIMBRIDGE_ACCOUNT_NAME',
  'SCIMBRIDGE_ACCOUNT_URL',
  'SCIMBRIDGE_BRIDGE_PORT',
  'SCIMBRIDGE_BULK_MAX_OPERATIONS',
  'SCIMBRIDGE_CONFIRMATION_INTERVAL',
  'SCIMBRIDGE_CONSOLE_PORT',
  'SCIMBRIDGE_DATA_DIR',
  'SCIMBRIDGE_GOOGLE_API_URL',
  'SCIMBRIDGE_GOOGLE_KEY_B64',
  'SCIMBRIDGE_GOOGLE_KEY_FILE',
  'SCIMBRIDGE_GOOGLE_SETTINGS',
  'SCIMBRIDGE_GOOGLE_SUSPEND_LIMIT',
  'SCIMBRIDGE_GOOGLE_SYNC_MINUTES',
  'SCIMBRIDGE_GOOGLE_TOKEN_URL',
  'SCIMBRIDGE_HOST',
  'SCIMBRIDGE_IDP_CYCLES',
  'SCIMBRIDGE_INVITATION_VALIDITY_HOURS',
  'SCIMBRIDGE_LOG_BUFFER_LINES',
  'SCIMBRIDGE_LOG_FORMAT',
  'SCIMBRIDGE_LOG_LEVEL',
  'SCIMBRIDGE_MAIL_FROM',
  'SCIMBRIDGE_MAX_BODY_BYTES',
  'SCIMBRIDGE_MAX_PAGE_SIZE',
  'SCIMBRIDGE_MEMBER_SESSION_HOURS',
  'SCIMBRIDGE_MONITOR',
  'SCIMBRIDGE_MONITOR_BRIDGES',
  'SCIMBRIDGE_MONITOR_FAILURES',
  'SCIMBRIDGE_MONITOR_INTERVAL',
  'SCIMBRIDGE_MONITOR_NOTICE_INTERVAL',
  'SCIMBRIDGE_MONITOR_TOKEN',
  'SCIMBRIDGE_NETWORK_LIST',
  'SCIMBRIDGE_OUTBOX_KEY',
  'SCIMBRIDGE_OWNER_EMAIL',
  'SCIMBRIDGE_PASSWORD_ITERATIONS',
  'SCIMBRIDGE_PUBLIC_URL',
  'SCIMBRIDGE_REDIS_PREFIX',
  'SCIMBRIDGE_REDIS_URL',
  'SCIMBRIDGE_SESSION',
  'SCIMBRIDGE_SESSION_B64',
  'SCIMBRIDGE_SMTP_POOL_SIZE',
  'SCIMBRIDGE_SMTP_REQUIRE_TLS',
  'SCIMBRIDGE_SMTP_URL',
  'SCIMBRIDGE_TLS_CERT',
  'SCIMBRIDGE_TLS_KEY',
  'SCIMBRIDGE_TOKEN_FILE',
  'SCIMBRIDGE_TRUST_PROXY',
]);

/** Names it would be easy to write for a setting that has another name. */
const LOOK_ALIKES: Readonly<Record<string, string>> = {
  SCIMBRIDGE_DATABASE_URL: 'DATABASE_URL',
};

/** One warning per `SCIMBRIDGE_*` variable that no part of scimbridge reads. */
export function unknownSettingWarnings(env: NodeJS.ProcessEnv): string[] {
  return Object.keys(env)
    .filter((name) => name.startsWith('SCIMBRIDGE_') && !name.startsWith('SCIMBRIDGE_TEST_'))
    .filter((name) => !KNOWN_SETTINGS.has(name))
    .sort()
    .map((name) => {
      const meant = LOOK_ALIKES[name];
      return meant === undefined
        ? `${name} is set, but scimbridge reads no such setting; it is ignored (docs/configuration.md lists every setting)`
        : `${name} is set, but the setting is ${meant}; it is ignored, so ${meant} stays as it is`;
    });
}
