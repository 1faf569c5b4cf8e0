/**
 * Several separate bridges (`bridge serve` as a library call) over one account server, in
 * this process on loopback ports: they share nothing but the session file and whatever the
 * environment gives them (SCIMBRIDGE_REDIS_URL). Each bridge reaches the account over the
 * account API, as in production. Every log line is kept; `close` fails if a secret reached one.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setupProvisioning } from '../../src/account/setup-provisioning.ts';
import { loadConfig } from '../../src/config.ts';
import { type RunningBridge, startAccountService, startBridgeService } from '../../src/main.ts';
import { loggerInto } from './log-lines.ts';
import { assertNoSecretLogged } from './system.ts';

export interface ReplicaBridge {
  running: RunningBridge;
  address: string;
  lines: string[];
}

export interface BridgeReplicas {
  token: string;
  bridges: ReplicaBridge[];
  /** Secrets that must reach no log line; tests add cookies and passwords they use. */
  secrets: Set<string>;
  close(): Promise<void>;
}

export async function startBridgeReplicas(options: {
  count: number;
  env: Record<string, string>;
}): Promise<BridgeReplicas> {
  const work = await mkdtemp(path.join(tmpdir(), 'scimbridge-replicas-'));
  const accountLines: string[] = [];
  const account = await startAccountService(
    loadConfig({ SCIMBRIDGE_DATA_DIR: path.join(work, 'account'), SCIMBRIDGE_CONSOLE_PORT: '0' }),
    { logger: loggerInto(accountLines) },
  );
  const secrets = new Set<string>();
  const bridges: ReplicaBridge[] = [];
  const close = async () => {
    await Promise.all(bridges.map((bridge) => bridge.running.close()));
    await account.close();
    await rm(work, { recursive: true, force: true });
    assertNoSecretLogged([...accountLines, ...bridges.flatMap((bridge) => bridge.lines)], secrets);
  };
  let token = '';
  try {
    const credentials = await setupProvisioning(account.deps, { accountUrl: account.address });
    token = credentials.token;
    secrets.add(credentials.token);
    secrets.add(credentials.sessionFile.blob);
    const sessionPath = path.join(work, 'bridge', 'scimsession');
    await mkdir(path.dirname(sessionPath), { recursive: true });
    await writeFile(sessionPath, JSON.stringify(credentials.sessionFile), { mode: 0o600 });
    for (let i = 0; i < options.count; i++) {
      const lines: string[] = [];
      const running = await startBridgeService(
        loadConfig({
          SCIMBRIDGE_DATA_DIR: path.join(work, `bridge-${i}`),
          SCIMBRIDGE_BRIDGE_PORT: '0',
          SCIMBRIDGE_SESSION: sessionPath,
          SCIMBRIDGE_LOG_LEVEL: 'info',
          ...options.env,
        }),
        { logger: loggerInto(lines) },
      );
      bridges.push({ running, address: running.address, lines });
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { token, bridges, secrets, close };
}
