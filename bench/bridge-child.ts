/**
 * `npm run bench -- --mode split`: the bridge as its own process, as `scimbridge bridge
 * serve` runs it, forked by bench/server.ts (which runs the account server). It answers
 * the same `usage` question over IPC, so the benchmark can add both processes' CPU time.
 *
 * Usage: `bridge-child.ts --session FILE --account-url URL`.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/logging.ts';
import { startBridgeService } from '../src/main.ts';
import { startProfiling, stopProfiling } from './server-profiler.ts';
import type { FromServer, ToServer } from './server-protocol.ts';

const { values } = parseArgs({ options: { session: { type: 'string' }, 'account-url': { type: 'string' } } });
if (!values.session || !values['account-url']) throw new Error('--session and --account-url are required');

const config = loadConfig({
  SCIMBRIDGE_HOST: '127.0.0.1',
  SCIMBRIDGE_BRIDGE_PORT: '0',
  SCIMBRIDGE_LOG_LEVEL: 'silent',
  SCIMBRIDGE_MAX_BODY_BYTES: String(4 * 1024 * 1024),
  SCIMBRIDGE_SESSION: values.session,
  SCIMBRIDGE_ACCOUNT_URL: values['account-url'],
});
const bridge = await startBridgeService(config, {
  logger: createLogger({ level: 'silent', format: 'json' }),
});

const tell = (message: FromServer) => process.send?.(message);
let closing = false;
const close = async () => {
  if (closing) return;
  closing = true;
  await bridge.close();
  process.exit(0);
};
process.on('message', (message: ToServer) => {
  if (message.type === 'usage') {
    tell({ type: 'usage', id: message.id, cpu: process.cpuUsage(), rssBytes: process.memoryUsage.rss() });
  } else if (message.type === 'profile-start' || message.type === 'profile-stop') {
    (message.type === 'profile-start' ? startProfiling() : stopProfiling(message.file)).then(
      () => tell({ type: 'done', id: message.id }),
      (error: Error) => tell({ type: 'done', id: message.id, error: error.message }),
    );
  } else if (message.type === 'close') {
    void close();
  }
});
process.on('disconnect', () => void close());
tell({ type: 'ready', bridgeAddress: bridge.address, token: '' });
