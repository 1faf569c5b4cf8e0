/**
 * For tests of the HTTP account client: a session unlocked against a running account, and
 * proxies in front of the account that fail, stall or rewrite chosen requests.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setupProvisioning } from '../../src/account/setup-provisioning.ts';
import type { UnlockedSession } from '../../src/bridge/credentials/token-verifier.ts';
import { importPrivateKey } from '../../src/crypto/keys.ts';
import type { RunningAccount } from '../../src/main.ts';
import { openSetupSession } from './session.ts';

/** The unlocked session a bridge set up against `target` holds. */
export async function unlockSession(target: RunningAccount): Promise<UnlockedSession> {
  const result = await setupProvisioning(target.deps, { accountUrl: target.address });
  const secrets = await openSetupSession(result);
  return {
    accountUrl: result.sessionFile.accountUrl,
    integrationId: result.sessionFile.integrationId,
    keyId: result.sessionFile.keyId,
    provisioningPublicKey: result.integration.provisioningPublicKey,
    keys: {
      signingPrivateKey: await importPrivateKey('Ed25519', secrets.signingPrivateKey),
      provisioningPrivateKey: await importPrivateKey('X25519', secrets.provisioningPrivateKey),
    },
  };
}

/**
 * A proxy to the account that lets `fail` answer a request instead, stall it, or pass it on
 * once a promise settles. Like many proxies it does not pass WebSocket upgrades: it drops the
 * hop-by-hop `Connection` and `Upgrade` headers, so the client's channel is refused and it
 * sends plain requests — the transport these tests are about.
 */
export async function accountProxy(
  accountAddress: string,
  fail: (request: http.IncomingMessage) => 'pass' | 'fail' | 'stall' | Promise<void>,
  /** `fail`: answer the channel's opening with 502, as a proxy in trouble would. */
  channel: 'strip' | 'fail' = 'strip',
  /** Changes a JSON request body on its way (it gets the parsed body to change in place). */
  rewrite?: (url: string, body: Record<string, unknown>) => void,
) {
  const seen: string[] = [];
  /** How often the client tried to open the channel through this proxy. */
  const channelOpenings = { count: 0 };
  const target = new URL(accountAddress);
  const server = http.createServer(async (request, response) => {
    const { connection: _connection, upgrade: _upgrade, ...headers } = request.headers;
    if (request.url === '/api/v1/channel') {
      channelOpenings.count++;
      if (channel === 'fail') response.writeHead(502, { 'content-type': 'text/plain' }).end('bad gateway');
      else forward(request, response, headers);
      return;
    }
    seen.push(`${request.method} ${request.url}`);
    let verdict = fail(request);
    if (verdict instanceof Promise) {
      await verdict;
      verdict = 'pass';
    }
    if (verdict === 'stall') return;
    if (verdict === 'fail') {
      response.writeHead(503, { 'content-type': 'text/plain' }).end('busy');
      return;
    }
    forward(request, response, headers);
  });
  const forward = (
    request: http.IncomingMessage,
    response: http.ServerResponse,
    headers: http.IncomingHttpHeaders,
  ) => {
    const upstream = http.request(
      { host: target.hostname, port: target.port, path: request.url, method: request.method, headers },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on('error', () => response.destroy());
    if (rewrite === undefined) {
      request.pipe(upstream);
      return;
    }
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      let body = Buffer.concat(chunks);
      if (body.length > 0) {
        const json = JSON.parse(body.toString()) as Record<string, unknown>;
        rewrite(request.url ?? '', json);
        body = Buffer.from(JSON.stringify(json));
      }
      upstream.setHeader('content-length', body.length);
      upstream.end(body);
    });
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    seen,
    channelOpenings,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type ProxyArgs = Parameters<typeof accountProxy> extends [string, ...infer Rest] ? Rest : never;

/** A proxy that holds back the next request it is told to until `release`. */
export async function holdingAccountProxy(accountAddress: string) {
  let release = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  let holding = false;
  const slow = await accountProxy(accountAddress, () => {
    if (!holding) return 'pass';
    holding = false;
    return held;
  });
  return {
    slow,
    holdNext: () => {
      holding = true;
    },
    release: () => release(),
    /** Resolves once a GET has reached the proxy (the held one, after holdNext). */
    untilGetSeen: async () => {
      while (!slow.seen.some((line) => line.startsWith('GET'))) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
  };
}
