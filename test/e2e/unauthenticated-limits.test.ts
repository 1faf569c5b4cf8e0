/**
 * What anyone may send before signing in (issue 12, defect 3), over real HTTP: small bodies
 * on every route that reads one before authentication, rate limits that count every
 * attempt, and JSON nesting bounded everywhere, so that a 16 MB deeply nested body stalls
 * neither server (the bridge's /ping keeps answering while it is posted).
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { startTestSystem, type TestSystem } from '../support/system.ts';

const NESTED_16MB = `${'['.repeat(8 * 1024 * 1024)}${']'.repeat(8 * 1024 * 1024)}`;

/** Posts raw text and resolves with the status, without fetch's body buffering rules. */
function post(
  url: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    // The server may answer (413) and close before it has read everything.
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE' || error.code === 'ECONNRESET')
        resolve({ status: -1, headers: {}, text: '' });
      else reject(error);
    });
    req.end(body);
  });
}

/**
 * The slowest /ping allowed while a hostile body is read: it catches a server that stalls on
 * the body (a quadratic scan, a synchronous parse of all 16 MB), not a busy machine — 1 s was
 * exceeded on a loaded machine with nothing wrong.
 */
const PING_STALL_MS = 5000;

/** Pings `url` until `until` settles; resolves with the slowest answer, in ms. */
async function slowestPingWhile(url: string, until: Promise<unknown>): Promise<number> {
  let done = false;
  void until.finally(() => {
    done = true;
  });
  let slowest = 0;
  let pings = 0;
  while (!done || pings < 3) {
    const started = performance.now();
    const answer = await fetch(url);
    assert.equal(await answer.text(), 'pong');
    slowest = Math.max(slowest, performance.now() - started);
    pings++;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return slowest;
}

describe('a 16 MB deeply nested body stalls nothing', () => {
  let sys: TestSystem;
  before(async () => {
    sys = await startTestSystem({ env: { SCIMBRIDGE_MAX_BODY_BYTES: String(32 * 1024 * 1024) } });
  });
  after(async () => {
    await sys.close();
  });

  test('posted to the account API sign-in: refused, and the bridge answers /ping meanwhile', async () => {
    for (const path of ['/api/v1/sign-in', '/api/v1/sign-in/challenge']) {
      const answer = post(`${sys.system.accountAddress}${path}`, NESTED_16MB);
      const slowest = await slowestPingWhile(`${sys.system.bridgeAddress}/ping`, answer);
      const { status, text } = await answer;
      assert.ok(status === -1 || /too large/.test(text), `${path}: ${status} ${text}`);
      assert.ok(slowest < PING_STALL_MS, `${path}: /ping took ${Math.round(slowest)} ms`);
    }
  });

  test('posted with the bearer token to SCIM (body limit raised to 32 MiB): 400 invalidSyntax, /ping answers', async () => {
    const answer = post(`${sys.scimUrl}/Users`, NESTED_16MB, {
      authorization: `Bearer ${sys.token}`,
      'content-type': 'application/scim+json',
    });
    const slowest = await slowestPingWhile(`${sys.system.bridgeAddress}/ping`, answer);
    const { status, text } = await answer;
    assert.equal(status, 400, text);
    assert.equal(JSON.parse(text).scimType, 'invalidSyntax');
    assert.match(JSON.parse(text).detail, /nested deeper than 64 levels/);
    assert.ok(slowest < PING_STALL_MS, `/ping took ${Math.round(slowest)} ms`);
  });
});

describe('routes open before authentication take small bodies only', () => {
  let sys: TestSystem;
  before(async () => {
    sys = await startTestSystem();
  });
  after(async () => {
    await sys.close();
  });

  const big = JSON.stringify({ keyId: 'k', filler: 'x'.repeat(64 * 1024) });
  const accountPaths = [
    '/api/v1/sign-in/challenge',
    '/api/v1/sign-in',
    '/signin',
    '/signin/parameters',
    '/signup/some-token',
    '/signout',
    '/no-such-page',
  ];
  for (const path of accountPaths) {
    test(`account server ${path}: a 64 KiB body is refused as too large`, async () => {
      const answer = await post(`${sys.system.accountAddress}${path}`, big);
      // The account API answers in its own error format (`invalid_request`, 400).
      const refused =
        answer.status === 413 ||
        answer.status === -1 ||
        (answer.status === 400 && /too large/.test(answer.text));
      assert.ok(refused, `${answer.status} ${answer.text}`);
    });
  }

  test('account server /email-change/…: a 64 KiB form is 413', async () => {
    const answer = await post(
      `${sys.system.accountAddress}/email-change/some-secret`,
      `csrf=${'x'.repeat(64 * 1024)}`,
      {
        'content-type': 'application/x-www-form-urlencoded',
      },
    );
    assert.ok(answer.status === 413 || answer.status === -1, `${answer.status}`);
  });

  for (const path of ['/signin', '/signout', '/no-such-page']) {
    test(`bridge ${path}: a 64 KiB body is 413`, async () => {
      const answer = await post(`${sys.system.bridgeAddress}${path}`, big);
      assert.ok(answer.status === 413 || answer.status === -1, `${answer.status} ${answer.text}`);
    });
  }

  test('SCIM with the bearer token keeps its own limit (SCIMBRIDGE_MAX_BODY_BYTES)', async () => {
    const answer = await post(
      `${sys.scimUrl}/Users`,
      JSON.stringify({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: 'big@example.com',
        title: 'x'.repeat(64 * 1024),
      }),
      { authorization: `Bearer ${sys.token}`, 'content-type': 'application/scim+json' },
    );
    // Read and judged (the title is too long for a User), not refused for its size.
    assert.equal(answer.status, 400, answer.text);
    assert.match(JSON.parse(answer.text).detail, /title is 65536 characters long/);
  });
});

describe('rate limits count every attempt', () => {
  let sys: TestSystem;
  before(async () => {
    sys = await startTestSystem({ accountTransport: 'in-process' });
  });
  after(async () => {
    await sys.close();
  });

  test('account API sign-in: refused challenges and answers count; past 30 a minute, 429 before any work', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      statuses.push(
        (await post(`${sys.system.accountAddress}/api/v1/sign-in/challenge`, '{"keyId":"made-up"}')).status,
      );
      statuses.push(
        (
          await post(
            `${sys.system.accountAddress}/api/v1/sign-in`,
            '{"challengeId":"x","keyId":"made-up","signature":"AAAA"}',
          )
        ).status,
      );
    }
    assert.ok(
      statuses.slice(0, 30).every((status) => status !== 429),
      statuses.join(' '),
    );
    assert.deepEqual(statuses.slice(30), Array(10).fill(429));
    const blocked = await post(
      `${sys.system.accountAddress}/api/v1/sign-in/challenge`,
      '{"keyId":"made-up"}',
    );
    assert.equal(blocked.status, 429);
    assert.ok(Number(blocked.headers['retry-after']) > 0);
    assert.equal(JSON.parse(blocked.text).code, 'rate_limited');
  });

  test('member pages: every post counts, whatever its outcome; past 60 a minute, 429 with Retry-After', async () => {
    const statuses: number[] = [];
    const posts: Array<[string, string, string]> = [
      ['/signin/parameters', '{"email":"who@example.com"}', 'application/json'],
      ['/signup/not-a-token', '{"email":"who@example.com"}', 'application/json'],
      ['/signin', '{"email":"who@example.com"}', 'application/json'],
      ['/signout', '', 'application/x-www-form-urlencoded'],
      ['/email-change/not-a-secret', 'csrf=x', 'application/x-www-form-urlencoded'],
    ];
    for (let i = 0; i < 70; i++) {
      const [path, body, type] = posts[i % posts.length]!;
      statuses.push(
        (await post(`${sys.system.accountAddress}${path}`, body, { 'content-type': type })).status,
      );
    }
    // 70 is a multiple of the five routes: the blocked last ten include each of them twice.
    assert.ok(
      statuses.slice(0, 60).every((status) => status !== 429),
      statuses.join(' '),
    );
    assert.deepEqual(statuses.slice(60), Array(10).fill(429));
    const blocked = await post(
      `${sys.system.accountAddress}/signin/parameters`,
      '{"email":"who@example.com"}',
    );
    assert.ok(Number(blocked.headers['retry-after']) > 0);
  });

  test('bridge status page: every sign-in counts, the right token included; past 20 a minute, 429', async () => {
    const signIn = (token: string) =>
      post(`${sys.system.bridgeAddress}/signin`, `token=${encodeURIComponent(token)}`, {
        'content-type': 'application/x-www-form-urlencoded',
      });
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await signIn(i % 2 === 0 ? sys.token : 'sbt_wrong')).status);
    assert.ok(!statuses.includes(429), statuses.join(' '));
    const blocked = await signIn(sys.token);
    assert.equal(blocked.status, 429);
    assert.ok(Number(blocked.headers['retry-after']) > 0);
  });
});
