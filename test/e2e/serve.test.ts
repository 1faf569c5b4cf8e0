/**
 * The server commands as processes: HTTPS from certificate files on both hops (and the
 * bridge's message when it does not trust the account's certificate), and graceful
 * shutdown that finishes a request in flight.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import https from 'node:https';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type CliProcess, freePort, runCli, spawnCli } from '../support/processes.ts';
import { USER_SCHEMA } from '../support/system.ts';

let work: string;
let accountDir: string;
let cert: string;
let key: string;
let accountPort: number;
let token: string;
const running: CliProcess[] = [];

function start(args: string[], env: Record<string, string>): CliProcess {
  const child = spawnCli(args, env);
  running.push(child);
  return child;
}

const addressOf = (line: string) => /running at (\S+)/.exec(line)![1]!;

/** A self-signed certificate for localhost and 127.0.0.1, made for this test. */
function makeCertificate(dir: string): { cert: string; key: string } {
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  return { cert: certFile, key: keyFile };
}

function httpsRequest(
  url: string,
  options: { method?: string; body?: unknown; ca: Buffer },
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const request = https.request(
      url,
      {
        method: options.method ?? 'GET',
        ca: options.ca,
        headers: {
          authorization: `Bearer ${token}`,
          ...(payload
            ? { 'content-type': 'application/scim+json', 'content-length': Buffer.byteLength(payload) }
            : {}),
        },
      },
      (response) => {
        let text = '';
        response.on('data', (chunk) => {
          text += chunk;
        });
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }),
        );
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

before(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'scimbridge-serve-'));
  accountDir = path.join(work, 'account');
  await mkdir(accountDir);
  ({ cert, key } = makeCertificate(work));
  accountPort = await freePort();
  const tokenFile = path.join(work, 'token');
  const setup = await runCli(
    ['provisioning', 'setup', '--token-out', tokenFile, '--account-url', `https://localhost:${accountPort}`],
    { SCIMBRIDGE_DATA_DIR: accountDir },
  );
  assert.equal(setup.code, 0, setup.output);
  token = (await readFile(tokenFile, 'utf8')).trim();
  await copyFile(path.join(accountDir, 'scimsession'), path.join(work, 'scimsession'));
  const account = start(
    ['account', 'serve', '--console-port', String(accountPort), '--tls-cert', cert, '--tls-key', key],
    {
      SCIMBRIDGE_DATA_DIR: accountDir,
    },
  );
  await account.waitFor(/account server is running at https:/);
});

after(async () => {
  await Promise.all(running.map((child) => child.stop()));
  await rm(work, { recursive: true, force: true });
});

const user = (name: string) => ({
  schemas: [USER_SCHEMA],
  userName: `${name}@example.com`,
  emails: [{ value: `${name}@example.com`, primary: true }],
});

describe('server commands', () => {
  test('HTTPS on both hops from certificate files; the bridge trusts the account through NODE_EXTRA_CA_CERTS', async () => {
    const bridge = start(
      ['bridge', 'serve', '--session', path.join(work, 'scimsession'), '--bridge-port', '0'],
      {
        SCIMBRIDGE_TLS_CERT: cert,
        SCIMBRIDGE_TLS_KEY: key,
        NODE_EXTRA_CA_CERTS: cert,
      },
    );
    const url = addressOf(await bridge.waitFor(/bridge is running at https:/));
    const ca = await readFile(cert);
    const created = await httpsRequest(`${url}/scim/v2/Users`, { method: 'POST', body: user('tls'), ca });
    assert.equal(created.status, 201, JSON.stringify(created.body));
  });

  test('a bridge that does not trust the account certificate says so in its SCIM error and log', async () => {
    const bridge = start(
      ['bridge', 'serve', '--session', path.join(work, 'scimsession'), '--bridge-port', '0'],
      {},
    );
    const url = addressOf(await bridge.waitFor(/bridge is running at http:/));
    const response = await fetch(`${url}/scim/v2/Users`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await response.json()) as { detail: string };
    assert.equal(response.status, 503);
    assert.match(body.detail, /TLS: the account server's certificate is not accepted/);
    await bridge.waitFor(/account server unreachable: TLS/);
  });

  test('SIGTERM lets a request in flight finish, then the process exits 0', async () => {
    const bridge = start(
      ['bridge', 'serve', '--session', path.join(work, 'scimsession'), '--bridge-port', '0'],
      {
        NODE_EXTRA_CA_CERTS: cert,
      },
    );
    const url = new URL(addressOf(await bridge.waitFor(/bridge is running at http:/)));
    const body = JSON.stringify(user('inflight'));
    const socket = connect(Number(url.port), url.hostname);
    await new Promise((resolve) => socket.once('connect', resolve));
    let answer = '';
    socket.on('data', (chunk) => {
      answer += chunk;
    });
    const closed = new Promise((resolve) => socket.once('close', resolve));
    // Headers and half the body: the request is in flight when the signal arrives.
    socket.write(
      `POST /scim/v2/Users HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${token}\r\n` +
        `Content-Type: application/scim+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n` +
        body.slice(0, 20),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    bridge.child.kill('SIGTERM');
    await bridge.waitFor(/stopping: finishing in-flight requests/);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(bridge.child.exitCode, null, 'the bridge waits for the request in flight');
    socket.write(body.slice(20));
    await closed;
    assert.match(answer, /^HTTP\/1\.1 201 /, bridge.lines.join('\n'));
    assert.equal(await bridge.exited, 0);
  });
});
