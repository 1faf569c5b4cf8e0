/**
 * The member pages over HTTP (fastify inject): every bad input gets a clear answer with the
 * right status and changes nothing; headers that keep the token and the page safe are set;
 * no token reaches the log.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import {
  type Fixture,
  latestInvitationToken,
  memberInput,
  openFixture,
  signupSubmission,
  TEST_SIGNUP,
} from '../../../test/support/account-fixture.ts';
import { loggerInto } from '../../../test/support/log-lines.ts';
import { deriveSignInProof } from '../../crypto/sign-in-proof.ts';
import { createMember } from '../create-member.ts';
import { createAccountServer } from '../server.ts';

const PASSWORD = 'correct horse battery staple';
const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json' };

let f: Fixture;
let app: FastifyInstance;
let logLines: string[];
let token: string;
let memberId: string;

async function serve(options: { trustProxy?: boolean; accountUrl?: string } = {}): Promise<FastifyInstance> {
  const logger = loggerInto(logLines);
  return createAccountServer({
    store: f.deps.store,
    logger,
    bridgeUrl: 'https://bridge.test',
    trustProxy: options.trustProxy ?? false,
    clock: f.deps.clock,
    ids: f.deps.ids,
    signup: { ...TEST_SIGNUP, accountUrl: options.accountUrl ?? 'http://127.0.0.1:8080' },
  });
}

beforeEach(async () => {
  f = await openFixture({ signup: TEST_SIGNUP });
  logLines = [];
  app = await serve();
  memberId = (await createMember(f.deps, memberInput())).id;
  token = await latestInvitationToken(f, 'grace@acme.test');
});
afterEach(async () => {
  await app.close();
  await f.close();
});

async function memberState(): Promise<string> {
  return (await f.deps.store.getMember(memberId))!.state;
}

function postSignup(
  body: unknown,
  headers: Record<string, string> = JSON_HEADERS,
  path = `/signup/${token}`,
) {
  return app.inject({
    method: 'POST',
    url: path,
    headers,
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('GET /signup/<token>', () => {
  test('shows the account and address, a password form, and safe headers', async () => {
    const response = await app.inject({
      method: 'GET',
      url: `/signup/${token}`,
      headers: { accept: 'text/html' },
    });
    assert.equal(response.statusCode, 200);
    assert.match(response.headers['content-type'] as string, /^text\/html/);
    assert.match(response.body, /Join Acme/);
    assert.match(response.body, /grace@acme\.test/);
    assert.match(response.body, /id="password-confirm"/);
    assert.match(response.body, /turn on\s+JavaScript/);
    // Password fields have no name: a form sent without the script cannot carry the password.
    for (const input of response.body.match(/<input[^>]*type="password"[^>]*>/g) ?? []) {
      assert.doesNotMatch(input, /\bname=/);
    }
    const csp = response.headers['content-security-policy'] as string;
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /default-src 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.equal(response.headers['referrer-policy'], 'no-referrer');
    assert.equal(response.headers['cache-control'], 'no-store');
    assert.doesNotMatch(response.body, /<script>/, 'no inline script');

    const scriptPath = /<script defer src="([^"]+)"/.exec(response.body)![1]!;
    assert.match(scriptPath, /^\/assets\/member-[0-9a-f]{16}\.js$/);
    const script = await app.inject({ method: 'GET', url: scriptPath });
    assert.equal(script.statusCode, 200);
    assert.match(script.headers['cache-control'] as string, /immutable/);
    assert.match(script.headers['content-type'] as string, /javascript/);
    assert.match(script.body, /PBKDF2/);
  });

  test('answers JSON for the CLI', async () => {
    const response = await app.inject({
      method: 'GET',
      url: `/signup/${token}`,
      headers: { accept: 'application/json' },
    });
    assert.equal(response.statusCode, 200);
    assert.equal(response.json().email, 'grace@acme.test');
    assert.equal(response.json().passwordIterations, 1000);
  });

  test('forged, malformed, expired, used and replaced links get a clear page with the right status', async () => {
    const forged = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
    const cases: Array<[string, number, RegExp]> = [
      [`/signup/${forged}`, 404, /not valid/],
      ['/signup/abc', 404, /not valid/],
      [`/signup/${'x'.repeat(90)}`, 404, /not valid/],
      ['/signup/%3Cscript%3E', 404, /not valid/],
    ];
    for (const [url, status, message] of cases) {
      const response = await app.inject({ method: 'GET', url, headers: { accept: 'text/html' } });
      assert.equal(response.statusCode, status, url);
      assert.match(response.body, message);
      assert.doesNotMatch(response.body, /<script>/);
    }
    // A path far longer than any token is refused by the router itself.
    const huge = await app.inject({ method: 'GET', url: `/signup/${'x'.repeat(5000)}` });
    assert.equal(huge.statusCode, 414);
    f.advance(7 * 24 * 3600 * 1000);
    const expired = await app.inject({
      method: 'GET',
      url: `/signup/${token}`,
      headers: { accept: 'text/html' },
    });
    assert.equal(expired.statusCode, 410);
    assert.match(expired.body, /expired/);
    assert.equal(await memberState(), 'invited');
  });
});

describe('POST /signup/<token>', () => {
  test('keys and proof make the member pending; a replay is harmless', async () => {
    const submission = await signupSubmission(PASSWORD);
    const response = await postSignup(submission);
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.json().state, 'pending');
    assert.equal(await memberState(), 'pending');
    const replay = await postSignup(submission);
    assert.equal(replay.statusCode, 200);
    const other = await postSignup(await signupSubmission('a different password'));
    assert.equal(other.statusCode, 410);
    assert.equal(other.json().error, 'invitation_used');
    assert.equal((await f.deps.store.getMemberKeys(memberId))!.publicKey, submission.publicKey);
    const page = await app.inject({
      method: 'GET',
      url: `/signup/${token}`,
      headers: { accept: 'text/html' },
    });
    assert.equal(page.statusCode, 410);
    assert.match(page.body, /already been used/);
    assert.match(page.body, /href="\/signin"/);
  });

  test('every bad body is refused with a clear error and changes nothing', async () => {
    const good = await signupSubmission(PASSWORD);
    const cases: Array<[string, unknown, Record<string, string>, number, RegExp]> = [
      ['malformed JSON', '{"publicKey":', JSON_HEADERS, 400, /not valid JSON/],
      ['empty body', '', JSON_HEADERS, 400, /empty/],
      ['array', [good], JSON_HEADERS, 400, /JSON object/],
      ['number', '42', JSON_HEADERS, 400, /JSON object/],
      ['oversized', { ...good, padding: 'x'.repeat(20_000) }, JSON_HEADERS, 413, /larger/],
      ['text/plain', JSON.stringify(good), { 'content-type': 'text/plain' }, 415, /application\/json/],
      [
        'short public key',
        { ...good, publicKey: good.publicKey.slice(0, 42) },
        JSON_HEADERS,
        400,
        /publicKey.*32-byte/,
      ],
      ['long public key', { ...good, publicKey: `${good.publicKey}AAAA` }, JSON_HEADERS, 400, /publicKey/],
      ['public key as a number', { ...good, publicKey: 12 }, JSON_HEADERS, 400, /publicKey/],
      [
        'sealed key in another format',
        { ...good, encryptedPrivateKey: 'sbk2.1000.a.b.c' },
        JSON_HEADERS,
        400,
        /sbk1/,
      ],
      [
        'sealed key, cut short',
        { ...good, encryptedPrivateKey: good.encryptedPrivateKey.slice(0, -20) },
        JSON_HEADERS,
        400,
        /encryptedPrivateKey/,
      ],
      [
        'sealed key as an object',
        { ...good, encryptedPrivateKey: { a: 1 } },
        JSON_HEADERS,
        400,
        /encryptedPrivateKey/,
      ],
      ['missing proof', { ...good, proof: undefined }, JSON_HEADERS, 400, /proof/],
      ['the password as proof', { ...good, proof: PASSWORD }, JSON_HEADERS, 400, /proof/],
      ['iterations below the floor', { ...good, proofIterations: 999 }, JSON_HEADERS, 400, /proofIterations/],
      ['cross-site origin', good, { ...JSON_HEADERS, origin: 'https://evil.example' }, 403, /this site/],
      ['cross-site fetch', good, { ...JSON_HEADERS, 'sec-fetch-site': 'cross-site' }, 403, /this site/],
      [
        'opaque origin from another site',
        good,
        { ...JSON_HEADERS, origin: 'null', 'sec-fetch-site': 'cross-site' },
        403,
        /this site/,
      ],
      ['unparsable origin', good, { ...JSON_HEADERS, origin: 'http://[' }, 403, /this site/],
    ];
    for (const [label, body, headers, status, message] of cases) {
      const response = await postSignup(body, headers);
      assert.equal(response.statusCode, status, `${label}: ${response.body}`);
      assert.match(response.json().message, message, label);
      assert.equal(await memberState(), 'invited', label);
    }
    assert.equal(await f.deps.store.getMemberKeys(memberId), undefined);
    assert.equal((await f.deps.store.listInvitations(memberId))[0]!.usedAt, null);
  });

  test('a form posted without the script gets a page that explains, and nothing changes', async () => {
    const response = await postSignup('username=grace%40acme.test', {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'text/html',
    });
    assert.equal(response.statusCode, 400);
    assert.match(response.body, /JavaScript/);
    assert.equal(await memberState(), 'invited');
  });

  test('bad links on submit: forged 404, expired 410', async () => {
    const submission = await signupSubmission(PASSWORD);
    const forged = await postSignup(submission, JSON_HEADERS, `/signup/${'A'.repeat(43)}`);
    assert.equal(forged.statusCode, 404);
    assert.equal(forged.json().error, 'invitation_unknown');
    f.advance(8 * 24 * 3600 * 1000);
    const expired = await postSignup(submission);
    assert.equal(expired.statusCode, 410);
    assert.equal(expired.json().error, 'invitation_expired');
    assert.equal(await memberState(), 'invited');
  });

  test('the token never reaches the log', async () => {
    await app.inject({ method: 'GET', url: `/signup/${token}`, headers: { accept: 'text/html' } });
    await postSignup(await signupSubmission(PASSWORD));
    await postSignup('{bad', JSON_HEADERS);
    const log = logLines.join('');
    assert.ok(!log.includes(token), 'token in log');
    assert.match(log, /\/signup\/\[token\]/);
    assert.match(log, /member signed up/);
  });
});

describe('member sign-in', () => {
  let proof: string;
  beforeEach(async () => {
    const submission = await signupSubmission(PASSWORD);
    assert.equal((await postSignup(submission)).statusCode, 200);
    proof = await deriveSignInProof(PASSWORD, {
      salt: submission.proofSalt,
      iterations: submission.proofIterations,
    });
  });

  function post(url: string, body: unknown, headers: Record<string, string> = JSON_HEADERS) {
    return app.inject({
      method: 'POST',
      url,
      headers,
      payload: typeof body === 'string' ? body : JSON.stringify(body),
    });
  }

  async function signInCookie(): Promise<string> {
    const response = await post('/signin', { email: 'grace@acme.test', proof });
    assert.equal(response.statusCode, 200, response.body);
    return String(response.headers['set-cookie']).split(';')[0]!;
  }

  test('parameters do not tell whether an address exists', async () => {
    const known = await post('/signin/parameters', { email: 'grace@acme.test' });
    const unknown = await post('/signin/parameters', { email: 'nobody@acme.test' });
    assert.equal(known.statusCode, 200);
    assert.equal(unknown.statusCode, 200);
    assert.deepEqual(Object.keys(known.json()).sort(), Object.keys(unknown.json()).sort());
    assert.equal(known.json().iterations, unknown.json().iterations);
    assert.deepEqual(
      (await post('/signin/parameters', { email: 'nobody@acme.test' })).json(),
      unknown.json(),
    );
    for (const body of ['{', '[]', '{"email":7}', `{"email":"${'a'.repeat(300)}@x"}`]) {
      assert.equal((await post('/signin/parameters', body)).statusCode, 400, body);
    }
  });

  test('sign-in sets an HttpOnly, SameSite=Lax cookie; the member page and keys need it', async () => {
    const cookie = await signInCookie();
    const response = await post('/signin', { email: 'grace@acme.test', proof });
    const header = String(response.headers['set-cookie']);
    assert.match(header, /HttpOnly/);
    assert.match(header, /SameSite=Lax/);
    assert.match(header, /Max-Age=43200/);
    assert.doesNotMatch(header, /Secure/, 'plain http in this test');

    const anonymousPage = await app.inject({
      method: 'GET',
      url: '/member',
      headers: { accept: 'text/html' },
    });
    assert.equal(anonymousPage.statusCode, 303);
    assert.equal(anonymousPage.headers.location, '/signin');
    const anonymousKeys = await app.inject({ method: 'GET', url: '/member/keys' });
    assert.equal(anonymousKeys.statusCode, 401);
    const forgedCookie = await app.inject({
      method: 'GET',
      url: '/member/keys',
      headers: { cookie: 'scimbridge_member=abc' },
    });
    assert.equal(forgedCookie.statusCode, 401);

    const page = await app.inject({
      method: 'GET',
      url: '/member',
      headers: { cookie, accept: 'text/html' },
    });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /grace@acme\.test/);
    assert.match(page.body, /waiting to be confirmed/);
    const keys = await app.inject({ method: 'GET', url: '/member/keys', headers: { cookie } });
    assert.equal(keys.statusCode, 200);
    const stored = await f.deps.store.getMemberKeys(memberId);
    assert.deepEqual(keys.json(), {
      memberId,
      publicKey: stored!.publicKey,
      encryptedPrivateKey: stored!.encryptedPrivateKey,
    });
    assert.equal(keys.headers['cache-control'], 'no-store');
  });

  test('over https the cookie is Secure: behind a trusted proxy, or when the public address is https', async () => {
    for (const options of [{ trustProxy: true }, { accountUrl: 'https://team.example.test' }]) {
      const other = await serve(options);
      try {
        const response = await other.inject({
          method: 'POST',
          url: '/signin',
          headers: { ...JSON_HEADERS, 'x-forwarded-proto': 'https' },
          payload: JSON.stringify({ email: 'grace@acme.test', proof }),
        });
        assert.equal(response.statusCode, 200);
        assert.match(String(response.headers['set-cookie']), /; Secure/, JSON.stringify(options));
      } finally {
        await other.close();
      }
    }
  });

  test('sign-out needs the form token; then the session is gone', async () => {
    const cookie = await signInCookie();
    const page = await app.inject({
      method: 'GET',
      url: '/member',
      headers: { cookie, accept: 'text/html' },
    });
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const form = { cookie, 'content-type': 'application/x-www-form-urlencoded' };
    assert.equal((await post('/signout', 'csrf=wrong', form)).statusCode, 403);
    assert.equal((await post('/signout', '', form)).statusCode, 403);
    assert.equal(
      (await post('/signout', `csrf=${csrf}`, { ...form, origin: 'https://evil.example' })).statusCode,
      403,
    );
    assert.equal(
      (await app.inject({ method: 'GET', url: '/member/keys', headers: { cookie } })).statusCode,
      200,
    );
    const out = await post('/signout', `csrf=${csrf}`, form);
    assert.equal(out.statusCode, 303);
    assert.match(String(out.headers['set-cookie']), /Max-Age=0/);
    assert.equal(
      (await app.inject({ method: 'GET', url: '/member/keys', headers: { cookie } })).statusCode,
      401,
    );
  });

  test('failed attempts are limited per address; the right password waits too', async () => {
    const wrong = await deriveSignInProof(
      'wrong password here',
      (await post('/signin/parameters', { email: 'grace@acme.test' })).json(),
    );
    for (let attempt = 0; attempt < 5; attempt++) {
      const response = await post('/signin', { email: 'grace@acme.test', proof: wrong });
      assert.equal(response.statusCode, 401);
      assert.match(response.json().message, /not right/);
    }
    const blocked = await post('/signin', { email: 'grace@acme.test', proof });
    assert.equal(blocked.statusCode, 429);
    assert.ok(Number(blocked.headers['retry-after']) > 0);
    f.advance(15 * 60 * 1000);
    assert.equal((await post('/signin', { email: 'grace@acme.test', proof })).statusCode, 200);
  });

  test('bad sign-in requests get clear errors', async () => {
    const cases: Array<[unknown, Record<string, string>, number]> = [
      ['{', JSON_HEADERS, 400],
      [{ email: 'grace@acme.test' }, JSON_HEADERS, 400],
      [{ email: 'grace@acme.test', proof: 12 }, JSON_HEADERS, 400],
      [{ email: 'grace@acme.test', proof: PASSWORD }, JSON_HEADERS, 400],
      [{ proof }, JSON_HEADERS, 400],
      [{ email: 'grace@acme.test', proof, pad: 'x'.repeat(4000) }, JSON_HEADERS, 413],
      [
        'email=grace%40acme.test',
        { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
        400,
      ],
      [{ email: 'grace@acme.test', proof }, { ...JSON_HEADERS, 'sec-fetch-site': 'cross-site' }, 403],
    ];
    for (const [body, headers, status] of cases) {
      const response = await post('/signin', body, headers);
      assert.equal(response.statusCode, status, `${JSON.stringify(body)}: ${response.body}`);
      assert.equal(response.headers['set-cookie'], undefined);
    }
  });

  test('no proof, session token or cookie reaches the log', async () => {
    const cookie = await signInCookie();
    await app.inject({ method: 'GET', url: '/member/keys', headers: { cookie } });
    const log = logLines.join('');
    assert.ok(!log.includes(proof));
    assert.ok(!log.includes(cookie.split('=')[1]!));
  });
});
