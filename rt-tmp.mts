import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInProcessAccountClient } from './src/account/in-process-client.ts';
import { setupProvisioning } from './src/account/setup-provisioning.ts';
import { createHttpAccountClient } from './src/bridge/account-http-client.ts';
import { loadConfig } from './src/config.ts';
import { openSession } from './src/crypto/credentials/session-file.ts';
import { parseToken } from './src/crypto/credentials/token.ts';
import { importPrivateKey } from './src/crypto/keys.ts';
import { createLogger } from './src/logging.ts';
import { startAccountService } from './src/main.ts';

const dir = await mkdtemp(path.join(tmpdir(), 'rt-'));
const logger = createLogger({ level: 'silent', format: 'json' });
const account = await startAccountService(
  loadConfig({ SCIMBRIDGE_DATA_DIR: dir, SCIMBRIDGE_CONSOLE_PORT: '0' }),
  { logger },
);
const r = await setupProvisioning(account.deps, { accountUrl: account.address });
const p = parseToken(r.token);
if (!p.ok) throw 0;
const s = await openSession(r.sessionFile, p.token.bytes);
const session = {
  accountUrl: account.address,
  integrationId: '',
  keyId: r.sessionFile.keyId,
  keys: {
    signingPrivateKey: await importPrivateKey('Ed25519', s!.signingPrivateKey),
    provisioningPrivateKey: await importPrivateKey('X25519', s!.provisioningPrivateKey),
  },
};
const http = createHttpAccountClient({ session: () => session, logger });
const local = createInProcessAccountClient(account.deps);
const m = await http.createMember({
  userName: 'a@example.com',
  email: 'a@example.com',
  externalId: null,
  displayName: null,
  givenName: null,
  familyName: null,
  active: true,
  profile: {},
});
for (const [name, c] of [
  ['local', local],
  ['http', http],
  ['local', local],
  ['http', http],
] as const) {
  const N = 20000;
  const t0 = process.cpuUsage();
  for (let i = 0; i < N; i += 8) await Promise.all(Array.from({ length: 8 }, () => c.getMember(m.id)));
  const d = process.cpuUsage(t0);
  console.log(name, ((d.user + d.system) / 1000 / N).toFixed(3), 'ms CPU per getMember');
}
http.close();
await account.close();
