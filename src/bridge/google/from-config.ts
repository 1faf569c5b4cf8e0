/** A Google sync built from the configuration: the bridge and the `scimbridge google` commands share it. */
import type { Logger } from 'pino';
import type { AccountClient } from '../../account/client.ts';
import { realTime, type TimeSource } from '../account-http/time.ts';
import type { TokenVerifier } from '../credentials/token-verifier.ts';
import type { Lease } from '../lease.ts';
import type { BridgeObservability } from '../observability.ts';
import { createGoogleDirectory } from './directory.ts';
import { describeGoogleKeySource, type GoogleKeySource, resolveGoogleKeySource } from './key-file.ts';
import { registerGoogleSyncMetrics } from './metrics.ts';
import { GoogleSettingsFile } from './settings.ts';
import { GoogleSync } from './sync.ts';

/** The Google settings of `Config` (src/config.ts), named here so the bridge needs no config import. */
export interface GoogleConfig {
  googleKeyFile: string | undefined;
  googleKeyBase64: string | undefined;
  googleSettingsFile: string;
  googleSyncMinutes: number;
  googleSuspendLimitPercent: number;
  googleApiUrl: string | undefined;
  googleTokenUrl: string | undefined;
}

/** Where the key comes from now; looked up on every use, so a key mounted later is found. */
export function googleKeySourceOf(
  config: GoogleConfig,
  secretsDirs?: readonly string[],
): GoogleKeySource | undefined {
  return resolveGoogleKeySource({
    keyPath: config.googleKeyFile,
    keyBase64: config.googleKeyBase64,
    ...(secretsDirs ? { secretsDirs } : {}),
  });
}

export function createGoogleSync(
  config: GoogleConfig,
  deps: {
    client: AccountClient;
    logger: Logger;
    time?: TimeSource;
    lease?: Lease | undefined;
    ready?: () => boolean;
    secretsDirs?: readonly string[];
  },
): GoogleSync {
  const time = deps.time ?? realTime;
  return new GoogleSync({
    client: deps.client,
    settings: new GoogleSettingsFile(config.googleSettingsFile),
    keySource: () => googleKeySourceOf(config, deps.secretsDirs),
    describeKeySource: describeGoogleKeySource,
    directory: createGoogleDirectory,
    logger: deps.logger.child({ part: 'google-sync' }),
    time,
    lease: deps.lease,
    intervalMinutes: config.googleSyncMinutes,
    suspendLimitPercent: config.googleSuspendLimitPercent,
    rootUrl: config.googleApiUrl,
    tokenUrl: config.googleTokenUrl,
    ...(deps.ready ? { ready: deps.ready } : {}),
  });
}

/**
 * The bridge's Google sync: only where a service-account key was given. It runs once the
 * account client can be used (a token opened the session file), as the watcher does, and
 * shows on the status page and /metrics.
 */
export function attachGoogleSync(
  config: GoogleConfig,
  deps: {
    client: AccountClient;
    logger: Logger;
    verifier: TokenVerifier;
    observability: BridgeObservability;
    /** Shared with the other bridges (SCIMBRIDGE_REDIS_URL), so one of them leads the sync. */
    lease?: Lease | undefined;
  },
): GoogleSync | undefined {
  if (googleKeySourceOf(config) === undefined) return undefined;
  const { verifier, observability } = deps;
  const google = createGoogleSync(config, {
    client: deps.client,
    logger: deps.logger,
    ready: () => verifier.session !== undefined,
    lease: deps.lease,
  });
  registerGoogleSyncMetrics(observability.metrics, google);
  observability.status.google = google;
  verifier.onUnlock(() => google.start());
  return google;
}
