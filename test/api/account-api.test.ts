/**
 * The account API over real HTTP: sign-in by challenge–response, every endpoint a bridge
 * uses, revocation (P2, P3), the firewall (P4) and hostile input. Every response is checked
 * against docs/api/openapi.json.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { signInMessage } from '../../src/account/api/protocol.ts';
import { deactivateProvisioning } from '../../src/account/deactivate-provisioning.ts';
import { addFirewallRule, removeFirewallRule } from '../../src/account/firewall/manage-rules.ts';
import { createMonitoringToken, revokeMonitoringToken } from '../../src/account/monitoring-tokens.ts';
import { setupProvisioning } from '../../src/account/setup-provisioning.ts';
import { loadConfig } from '../../src/config.ts';
import { bytesToBase64Url, utf8ToBytes } from '../../src/crypto/encoding.ts';
import { importPrivateKey, sign } from '../../src/crypto/keys.ts';
import { createLogger } from '../../src/logging.ts';
import { type RunningAccount, startAccountService } from '../../src/main.ts';
import { loggerInto } from '../support/log-lines.ts';
import { checkResponse } from '../support/openapi.ts';
import { openSetupSession } from '../support/session.ts';
import { assertNoSecretLogged } from '../support/system.ts';

interface Credentials {
  keyId: string;
  signingKey: CryptoKey;
}

let account: RunningAccount;
let dataDir: string;
let base: string;
const logLines: string[] = [];

async function credentials(): Promise<Credentials> {
  const result = await setupProvisioning(account.deps, { accountUrl: base });
  const secrets = await openSetupSession(result);
  return {
    keyId: result.sessionFile.keyId,
    signingKey: await importPrivateKey('Ed25519', secrets.signingPrivateKey),
  };
}

interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read bodies freely
  body: any;
}

/** One API request; asserts the response is what openapi.json documents. */
async function api(
  method: string,
  urlPath: string,
  options: { body?: unknown; raw?: string; token?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let payload: string | undefined = options.raw;
  if (options.body !== undefined) payload = JSON.stringify(options.body);
  if (payload !== undefined) headers['content-type'] ??= 'application/json';
  const response = await fetch(`${base}/api/v1${urlPath}`, { method, headers, body: payload });
  const text = await response.text();
  const body = text === '' ? undefined : JSON.parse(text);
  assert.deepEqual(
    checkResponse(method, `/api/v1${urlPath}`, response.status, body),
    [],
    `${method} ${urlPath} → ${response.status} ${text}`,
  );
  return { status: response.status, body };
}

async function signIn(creds: Credentials): Promise<string> {
  const challenge = await api('POST', '/sign-in/challenge', { body: { keyId: creds.keyId } });
  assert.equal(challenge.status, 200);
  const signature = await sign(
    creds.signingKey,
    utf8ToBytes(
      signInMessage({
        challengeId: challenge.body.challengeId,
        keyId: creds.keyId,
        nonce: challenge.body.nonce,
      }),
    ),
  );
  const session = await api('POST', '/sign-in', {
    body: {
      challengeId: challenge.body.challengeId,
      keyId: creds.keyId,
      signature: bytesToBase64Url(signature),
    },
  });
  assert.equal(session.status, 200, JSON.stringify(session.body));
  assert.match(session.body.sessionToken, /^sbs_[A-Za-z0-9_-]{43}$/);
  return session.body.sessionToken;
}

const memberInput = (n: number) => ({
  userName: `user${n}@example.com`,
  email: `user${n}@example.com`,
  externalId: `ext-${n}`,
  displayName: `User ${n}`,
  givenName: 'User',
  familyName: String(n),
  active: true,
  profile: { userName: `user${n}@example.com`, emails: [{ value: `user${n}@example.com`, primary: true }] },
});

before(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'scimbridge-api-'));
  const config = loadConfig({
    SCIMBRIDGE_DATA_DIR: dataDir,
    SCIMBRIDGE_CONSOLE_PORT: '0',
    SCIMBRIDGE_TRUST_PROXY: '10.9.9.9',
  });
  const logger = loggerInto(logLines);
  account = await startAccountService(config, { logger });
  base = account.address;
});

after(async () => {
  await account.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('account API', () => {
  test('a signed-in bridge can do everything AccountClient offers', async () => {
    const token = await signIn(await credentials());
    const created = await api('POST', '/members', { token, body: { input: memberInput(1) } });
    assert.equal(created.status, 201);
    assert.equal(created.body.state, 'invited');
    const id = created.body.id;

    assert.equal((await api('GET', `/members/${id}`, { token })).body.userName, 'user1@example.com');
    // One round trip for a member and its groups (every member is in the built-in Team Members group).
    const withGroups = await api('GET', `/members/${id}?include=groups`, { token });
    assert.ok(withGroups.body.groups?.length >= 1, JSON.stringify(withGroups.body));
    const search = await api('POST', '/members/search', {
      token,
      body: {
        query: {
          startIndex: 1,
          count: 10,
          excludeScimDeleted: true,
          filter: { op: 'eq', path: { attr: 'userName' }, value: 'USER1@example.com' },
        },
      },
    });
    assert.deepEqual([search.body.total, search.body.items[0].id], [1, id]);
    const searchWithGroups = await api('POST', '/members/search?include=groups', {
      token,
      body: { query: { startIndex: 1, count: 10 } },
    });
    assert.ok(searchWithGroups.body.groups[id].length >= 1);

    const updated = await api('PUT', `/members/${id}`, {
      token,
      body: { input: { ...memberInput(1), displayName: 'Renamed' }, expectedVersion: created.body.version },
    });
    // The answer is the member as the bridge sees it (names and address included, so that
    // every User renders with them); none of the account's bookkeeping.
    assert.equal(updated.body.version, created.body.version + 1);
    assert.equal(updated.body.displayName, 'Renamed');
    assert.equal(updated.body.pendingEmail, undefined);
    assert.equal(updated.body.role, undefined);
    assert.equal((await account.store.getMember(id))?.displayName, 'Renamed');
    const stale = await api('PUT', `/members/${id}`, {
      token,
      body: { input: memberInput(1), expectedVersion: created.body.version },
    });
    assert.deepEqual([stale.status, stale.body.code], [412, 'version_mismatch']);

    const group = await api('POST', '/groups', {
      token,
      body: { input: { displayName: 'Engineering', externalId: null }, memberIds: [id] },
    });
    assert.equal(group.status, 201);
    const gid = group.body.id;
    assert.equal((await api('GET', `/groups/${gid}`, { token })).body.displayName, 'Engineering');
    const groups = await api('POST', '/members/groups', { token, body: { memberIds: [id] } });
    assert.ok(
      groups.body.groups[id].some((g: { id: string; managed: boolean }) => g.id === gid && g.managed),
    );
    const members = await api('GET', `/groups/${gid}/members?limit=10`, { token });
    assert.deepEqual(
      members.body.members.map((m: { id: string }) => m.id),
      [id],
    );

    const second = await api('POST', '/members', { token, body: { input: memberInput(2) } });
    const changed = await api('POST', `/groups/${gid}/membership`, {
      token,
      body: { change: { add: [second.body.id], remove: [id] } },
    });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    const after = await api('GET', `/groups/${gid}/members?limit=10`, { token });
    assert.deepEqual(
      after.body.members.map((m: { id: string }) => m.id),
      [second.body.id],
    );

    // A new name and a membership change in one call land together, or not at all.
    const refused = await api('POST', `/groups/${gid}/membership`, {
      token,
      body: { change: { add: ['ghost'] }, attributes: { displayName: 'Platform', externalId: null } },
    });
    assert.deepEqual([refused.status, refused.body.code], [404, 'member_not_found']);
    assert.equal((await api('GET', `/groups/${gid}`, { token })).body.displayName, 'Engineering');
    const both = await api('POST', `/groups/${gid}/membership`, {
      token,
      body: {
        change: { add: [id] },
        expectedVersion: changed.body.version,
        attributes: { displayName: 'Platform', externalId: null },
      },
    });
    assert.equal(both.status, 200, JSON.stringify(both.body));
    assert.deepEqual([both.body.displayName, both.body.version], ['Platform', changed.body.version + 1]);
    const together = await api('GET', `/groups/${gid}/members?limit=10`, { token });
    assert.deepEqual(
      together.body.members.map((m: { id: string }) => m.id).sort(),
      [id, second.body.id].sort(),
    );

    const renamed = await api('PUT', `/groups/${gid}`, {
      token,
      body: { input: { displayName: 'Eng', externalId: 'g1' } },
    });
    assert.equal(renamed.body.displayName, 'Eng');
    const list = await api('POST', '/groups/search', {
      token,
      body: { query: { startIndex: 1, count: 5, managedOnly: true } },
    });
    assert.equal(list.body.total, 1);

    assert.equal((await api('DELETE', `/groups/${gid}`, { token })).status, 204);
    assert.equal((await api('GET', `/groups/${gid}`, { token })).body.code, 'group_not_found');
    assert.equal((await api('DELETE', `/members/${id}`, { token })).status, 204);
    const gone = await api('GET', `/members/${id}`, { token });
    assert.deepEqual([gone.status, gone.body.code], [404, 'member_not_found']);
    assert.equal(
      (await api('POST', '/provisioning/check', { token, body: { keyId: 'other' } })).body.code,
      'credentials_revoked',
    );
  });

  test('POST /members/{id}/active deactivates and reactivates in one call', async () => {
    const token = await signIn(await credentials());
    const created = await api('POST', '/members', { token, body: { input: memberInput(30) } });
    const id = created.body.id;

    const suspended = await api('POST', `/members/${id}/active?include=groups`, {
      token,
      body: { active: false, expectedVersion: created.body.version },
    });
    assert.equal(suspended.status, 200, JSON.stringify(suspended.body));
    assert.equal(suspended.body.state, 'suspended');
    assert.equal(suspended.body.version, created.body.version + 1);
    assert.ok(suspended.body.groups?.length >= 1, JSON.stringify(suspended.body));
    const { groups: _groups, ...stored } = suspended.body;
    assert.deepEqual((await api('GET', `/members/${id}`, { token })).body, stored);

    // The value it already has: nothing written, same version.
    const again = await api('POST', `/members/${id}/active`, { token, body: { active: false } });
    assert.deepEqual([again.status, again.body.version], [200, suspended.body.version]);
    const stale = await api('POST', `/members/${id}/active`, {
      token,
      body: { active: true, expectedVersion: created.body.version },
    });
    assert.deepEqual([stale.status, stale.body.code], [412, 'version_mismatch']);
    const missing = await api('POST', '/members/nobody/active', { token, body: { active: false } });
    assert.deepEqual([missing.status, missing.body.code], [404, 'member_not_found']);
    const owner = (await account.deps.store.listMembers({ startIndex: 1, count: 100 })).items.find(
      (member) => member.role === 'owner',
    )!;
    const protectedOwner = await api('POST', `/members/${owner.id}/active`, {
      token,
      body: { active: false },
    });
    assert.deepEqual([protectedOwner.status, protectedOwner.body.code], [403, 'member_protected']);

    // Bad input is refused before anything is read or written.
    for (const body of [
      { active: 'false' },
      { active: 0 },
      { active: null },
      {},
      { active: true, expectedVersion: -1 },
      { active: true, expectedVersion: 'x' },
      { active: true, expectedVersion: 1.5 },
      [],
    ]) {
      const refused = await api('POST', `/members/${id}/active`, { token, body });
      assert.deepEqual([refused.status, refused.body.code], [400, 'invalid_request'], JSON.stringify(body));
    }
    const raw = await api('POST', `/members/${id}/active`, { token, raw: '{"active":' });
    assert.equal(raw.status, 400);
    assert.equal((await api('GET', `/members/${id}`, { token })).body.version, suspended.body.version);

    // In a batch, like any other call.
    const batch = await api('POST', '/batch', {
      token,
      body: {
        calls: [
          { method: 'POST', path: `/members/${id}/active?include=groups`, body: { active: true } },
          { method: 'POST', path: `/members/${id}/active`, body: { active: 'yes' } },
        ],
      },
    });
    const [back, bad] = batch.body.results;
    assert.deepEqual(
      [back.status, back.body.state, back.body.version],
      [200, 'invited', suspended.body.version + 1],
    );
    assert.deepEqual(checkResponse('POST', `/api/v1/members/${id}/active`, 200, back.body), []);
    assert.deepEqual([bad.status, bad.body.code], [400, 'invalid_request']);
  });

  test('a batch runs each call as its own request would, with its own answer', async () => {
    const token = await signIn(await credentials());
    const created = await api('POST', '/members', { token, body: { input: memberInput(70) } });
    const batch = await api('POST', '/batch', {
      token,
      body: {
        calls: [
          { method: 'GET', path: `/members/${encodeURIComponent(created.body.id)}?include=groups` },
          { method: 'GET', path: '/members/no-such-member' },
          { method: 'POST', path: '/members', body: { input: memberInput(71) } },
          { method: 'POST', path: '/members', body: { input: memberInput(70) } },
          { method: 'POST', path: '/members/search', body: { query: { startIndex: 0, count: 1 } } },
          { method: 'GET', path: '/sign-in/challenge' },
        ],
      },
    });
    assert.equal(batch.status, 200);
    const results = batch.body.results as Array<{
      status: number;
      body: { code?: string; id?: string; groups?: unknown[] };
    }>;
    assert.deepEqual(
      results.map((result) => [result.status, result.body.code]),
      [
        [200, undefined],
        [404, 'member_not_found'],
        [201, undefined],
        [409, 'user_name_taken'],
        [400, 'invalid_request'],
        [400, 'invalid_request'],
      ],
    );
    assert.equal(results[0]!.body.id, created.body.id);
    assert.ok(Array.isArray(results[0]!.body.groups));
    // Each result body is what the operation's own request documents.
    assert.deepEqual(checkResponse('GET', `/api/v1/members/${created.body.id}`, 200, results[0]!.body), []);
    assert.deepEqual(checkResponse('POST', '/api/v1/members', 201, results[2]!.body), []);

    for (const calls of [
      [],
      'x',
      Array.from({ length: 101 }, () => ({ method: 'GET', path: '/groups/x' })),
      [42],
    ]) {
      const refused = await api('POST', '/batch', { token, body: { calls } });
      if (Array.isArray(calls) && calls.length === 1) {
        assert.equal(refused.body.results[0].body.code, 'invalid_request');
      } else {
        assert.deepEqual([refused.status, refused.body.code], [400, 'invalid_request']);
      }
    }
    const unauthenticated = await api('POST', '/batch', {
      body: { calls: [{ method: 'GET', path: '/groups/x' }] },
    });
    assert.equal(unauthenticated.body.code, 'api_session_invalid');
  });

  test('sign-in refuses a wrong signature, a reused or foreign challenge, and an old key', async () => {
    const creds = await credentials();
    const other = await credentials(); // regenerated: `creds` is now the old key
    const challenge = await api('POST', '/sign-in/challenge', { body: { keyId: other.keyId } });
    const message = utf8ToBytes(
      signInMessage({
        challengeId: challenge.body.challengeId,
        keyId: other.keyId,
        nonce: challenge.body.nonce,
      }),
    );
    const wrong = await api('POST', '/sign-in', {
      body: {
        challengeId: challenge.body.challengeId,
        keyId: other.keyId,
        signature: bytesToBase64Url(await sign(creds.signingKey, message)),
      },
    });
    assert.deepEqual([wrong.status, wrong.body.code], [401, 'sign_in_failed']);
    // The challenge was used up by the failed answer.
    const reused = await api('POST', '/sign-in', {
      body: {
        challengeId: challenge.body.challengeId,
        keyId: other.keyId,
        signature: bytesToBase64Url(await sign(other.signingKey, message)),
      },
    });
    assert.equal(reused.body.code, 'sign_in_failed');

    // A revoked key gets no challenge at all (no row is stored for it), with the same answer
    // its sign-in would get.
    const forOld = await api('POST', '/sign-in/challenge', { body: { keyId: creds.keyId } });
    assert.deepEqual([forOld.status, forOld.body.code], [401, 'credentials_revoked']);
    assert.match(forOld.body.message, /revoked/);
    const madeUp = await api('POST', '/sign-in/challenge', { body: { keyId: 'no-such-key' } });
    assert.deepEqual([madeUp.status, madeUp.body.code], [401, 'credentials_revoked']);
    assert.ok(await signIn(other));
  });

  test('regenerating credentials ends every open API session at once; deactivating turns provisioning off', async () => {
    const creds = await credentials();
    const token = await signIn(creds);
    assert.equal(
      (await api('POST', '/members/search', { token, body: { query: { startIndex: 1, count: 0 } } })).status,
      200,
    );
    const fresh = await credentials();
    const refused = await api('POST', '/members/search', {
      token,
      body: { query: { startIndex: 1, count: 0 } },
    });
    assert.equal(refused.status, 401);
    assert.ok(['credentials_revoked', 'api_session_invalid'].includes(refused.body.code), refused.body.code);

    const freshToken = await signIn(fresh);
    await deactivateProvisioning(account.deps);
    const off = await api('POST', '/members/search', {
      token: freshToken,
      body: { query: { startIndex: 1, count: 0 } },
    });
    assert.equal(off.status, off.body.code === 'provisioning_disabled' ? 403 : 401);
    // With provisioning off no bridge gets a challenge: the same answer as its sign-in would get.
    const disabled = await api('POST', '/sign-in/challenge', { body: { keyId: fresh.keyId } });
    assert.deepEqual([disabled.status, disabled.body.code], [403, 'provisioning_disabled']);
  });

  test('requests without a valid API session are refused and change nothing', async () => {
    const creds = await credentials();
    for (const token of [undefined, 'sbs_short', `sbs_${'A'.repeat(43)}`]) {
      const answer = await api('POST', '/members', {
        ...(token ? { token } : {}),
        body: { input: memberInput(50) },
      });
      assert.deepEqual([answer.status, answer.body.code], [401, 'api_session_invalid']);
    }
    const token = await signIn(creds);
    const found = await api('POST', '/members/search', {
      token,
      body: {
        query: {
          startIndex: 1,
          count: 1,
          filter: { op: 'eq', path: { attr: 'userName' }, value: 'user50@example.com' },
        },
      },
    });
    assert.equal(found.body.total, 0);
  });

  test('a separate bridge asks whether a monitoring token is current; the answer never repeats it', async () => {
    const { token: monitoring, record } = await createMonitoringToken(account.deps, 'prometheus');
    const unknown = `sbm_${'A'.repeat(43)}`;
    const check = (token: unknown, session?: string) =>
      api('POST', '/monitoring-tokens/check', { ...(session ? { token: session } : {}), body: { token } });

    // Without an API session nobody may ask, not even with a valid token.
    const refused = await check(monitoring);
    assert.deepEqual([refused.status, refused.body.code], [401, 'api_session_invalid']);

    const session = await signIn(await credentials());
    assert.deepEqual(await check(monitoring, session), { status: 200, body: { valid: true } });
    // Unknown, malformed (wrong prefix, too short, the bearer token's shape, empty): simply not valid.
    for (const other of [
      unknown,
      `${monitoring}x`,
      monitoring.slice(0, -1),
      `sbt_${monitoring.slice(4)}`,
      '',
    ]) {
      assert.deepEqual(await check(other, session), { status: 200, body: { valid: false } });
    }
    // A body without a string token is a malformed request, and the message names no token.
    for (const body of [42, null, { token: monitoring }]) {
      const answer = await check(body, session);
      assert.deepEqual([answer.status, answer.body.code], [400, 'invalid_request']);
      assert.ok(!JSON.stringify(answer.body).includes(monitoring));
    }
    // Through /batch as the bridge's client sends it, with the same answer.
    const batch = await api('POST', '/batch', {
      token: session,
      body: { calls: [{ method: 'POST', path: '/monitoring-tokens/check', body: { token: monitoring } }] },
    });
    assert.deepEqual(batch.body.results, [{ status: 200, body: { valid: true } }]);

    // Revoked: not valid at once (the account caches nothing for this question).
    assert.equal(await revokeMonitoringToken(account.deps, record.id), true);
    assert.deepEqual(await check(monitoring, session), { status: 200, body: { valid: false } });

    assertNoSecretLogged(logLines, [monitoring, monitoring.slice(4)]);
  });

  test('malformed and hostile bodies get invalid_request and change nothing', async () => {
    const token = await signIn(await credentials());
    const cases: Array<[string, string, { body?: unknown; raw?: string }]> = [
      ['POST', '/members', { raw: '{not json' }],
      ['POST', '/members', { body: [] }],
      ['POST', '/members', { body: { input: { ...memberInput(60), active: 'yes' } } }],
      ['POST', '/members', { body: { input: { ...memberInput(60), userName: 'x'.repeat(5000) } } }],
      ['POST', '/members', { body: { input: { ...memberInput(60), profile: 'x' } } }],
      ['POST', '/members/search', { body: { query: { startIndex: 0, count: 1 } } }],
      [
        'POST',
        '/members/search',
        { body: { query: { startIndex: 1, count: 1, filter: { op: 'drop table' } } } },
      ],
      [
        'POST',
        '/members/search',
        {
          body: {
            query: { startIndex: 1, count: 1, filter: { op: 'eq', path: { attr: 'x; --' }, value: 1 } },
          },
        },
      ],
      ['POST', '/members/search', { body: { query: { startIndex: 1, count: 1, filter: deepNot(500) } } }],
      ['POST', '/groups/x/membership', { body: { change: { add: 'all' } } }],
      ['POST', '/groups/x/membership', { body: { change: { add: [] }, attributes: 'Eng' } }],
      ['POST', '/groups/x/membership', { body: { change: { add: [] }, attributes: { displayName: 7 } } }],
      ['POST', '/members/groups', { body: { memberIds: [1, 2] } }],
      ['POST', '/sign-in/challenge', { body: { keyId: 42 } }],
      ['POST', '/sign-in', { body: { challengeId: 'x' } }],
    ];
    for (const [method, urlPath, options] of cases) {
      const answer = await api(method, urlPath, { token, ...options });
      assert.equal(
        answer.status,
        400,
        `${urlPath} ${JSON.stringify(options).slice(0, 80)} → ${answer.status}`,
      );
      assert.equal(answer.body.code, 'invalid_request');
    }
    const unfilterable = await api('POST', '/members/search', {
      token,
      body: {
        query: { startIndex: 1, count: 1, filter: { op: 'eq', path: { attr: 'password' }, value: 'x' } },
      },
    });
    assert.deepEqual(
      [unfilterable.status, unfilterable.body.code, unfilterable.body.scimType],
      [400, 'scim_error', 'invalidFilter'],
    );
    const limit = await api('GET', '/groups/x/members?limit=0', { token });
    assert.equal(limit.body.code, 'invalid_request');
    const unknown = await fetch(`${base}/api/v1/nothing-here`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.deepEqual([unknown.status, ((await unknown.json()) as { code: string }).code], [404, 'not_found']);
    const members = await api('POST', '/members/search', {
      token,
      body: { query: { startIndex: 1, count: 0 } },
    });
    const before = members.body.total;
    await api('POST', '/members', {
      token,
      raw: JSON.stringify({ input: memberInput(61) }).replace('"active":true', '"active":1'),
    });
    assert.equal(
      (await api('POST', '/members/search', { token, body: { query: { startIndex: 1, count: 0 } } })).body
        .total,
      before,
    );
  });

  test('a body with a field the endpoint does not know is refused by name, alone or in a batch, and changes nothing', async () => {
    const token = await signIn(await credentials());
    const count = async () =>
      (await api('POST', '/members/search', { token, body: { query: { startIndex: 1, count: 0 } } })).body
        .total as number;
    const before = await count();
    const cases: Array<[string, string, unknown, RegExp]> = [
      ['POST', '/members', { input: memberInput(62), role: 'owner' }, /unknown field "role"/],
      [
        'POST',
        '/members',
        { input: { ...memberInput(62), isAdmin: true } },
        /"input" has an unknown field "isAdmin"/,
      ],
      ['POST', '/members/search', { query: { startIndex: 1, count: 1, limit: 5 } }, /"query" .*"limit"/],
      ['POST', '/groups', { input: { displayName: 'Ops', externalId: null }, owner: 'x' }, /"owner"/],
      ['POST', '/monitoring-tokens/check', { token: 'sbm_x', tokn: 'y' }, /"tokn"/],
      ['POST', '/sign-in/challenge', { keyId: 'k', extra: 1 }, /"extra"/],
      ['POST', '/batch', { calls: [{ method: 'GET', path: '/sign-ups/count' }], wait: true }, /"wait"/],
    ];
    for (const [method, urlPath, body, message] of cases) {
      const answer = await api(method, urlPath, { token, body });
      assert.deepEqual([answer.status, answer.body.code], [400, 'invalid_request'], urlPath);
      assert.match(answer.body.message, message);
    }
    // In a batch, the call is refused as its own request would be; the others run.
    const batch = await api('POST', '/batch', {
      token,
      body: {
        calls: [
          { method: 'POST', path: '/members', body: { input: memberInput(63), sendInvite: false } },
          { method: 'GET', path: '/sign-ups/count' },
        ],
      },
    });
    const [refused, counted] = batch.body.results;
    assert.deepEqual([refused.status, refused.body.code, counted.status], [400, 'invalid_request', 200]);
    assert.match(refused.body.message, /unknown field "sendInvite"/);
    // A `__proto__` key anywhere in a body is refused before any of it is read.
    const hostile = await api('POST', '/batch', {
      token,
      raw: `{"calls":[{"method":"POST","path":"/members","body":{"input":${JSON.stringify(memberInput(64))},"__proto__":{"x":1}}}]}`,
    });
    assert.deepEqual([hostile.status, hostile.body.code], [400, 'invalid_request']);
    assert.equal(await count(), before);
  });

  test('the firewall refuses a blocked address by name and rule; X-Forwarded-For counts only from a trusted proxy', async () => {
    const creds = await credentials();
    const token = await signIn(creds);
    const rule = await addFirewallRule(account.deps, { kind: 'range', action: 'deny', cidr: '127.0.0.0/8' });
    await new Promise((resolve) => setTimeout(resolve, 1100)); // the rule cache's second
    const blocked = await api('POST', '/members/search', {
      token,
      body: { query: { startIndex: 1, count: 0 } },
    });
    assert.deepEqual([blocked.status, blocked.body.code], [403, 'firewall_blocked']);
    assert.match(blocked.body.message, /127\.0\.0\.1/);
    assert.ok(blocked.body.message.includes(rule.id));
    assert.equal(
      (await api('POST', '/sign-in/challenge', { body: { keyId: creds.keyId } })).body.code,
      'firewall_blocked',
    );
    // A spoofed header from an untrusted client does not get it through.
    const spoofed = await api('POST', '/members/search', {
      token,
      headers: { 'x-forwarded-for': '198.51.100.1' },
      body: { query: { startIndex: 1, count: 0 } },
    });
    assert.equal(spoofed.body.code, 'firewall_blocked');
    assert.ok(logLines.some((line) => line.includes('account API refused') && line.includes('127.0.0.1')));

    await removeFirewallRule(account.deps, rule.id);
    const allow = await addFirewallRule(account.deps, { kind: 'range', action: 'allow', cidr: '::1/128' });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const notListed = await api('POST', '/members/search', {
      token,
      body: { query: { startIndex: 1, count: 0 } },
    });
    assert.equal(notListed.body.code, 'firewall_blocked');
    assert.match(notListed.body.message, /no allowed range/);
    await removeFirewallRule(account.deps, allow.id);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    assert.equal(
      (await api('POST', '/members/search', { token, body: { query: { startIndex: 1, count: 0 } } })).status,
      200,
    );
  });
});

describe('account API sign-in limit', () => {
  // A server of its own: the limit is per address, and every test here comes from 127.0.0.1.
  let ownDir: string;
  let own: RunningAccount;
  let sharedAccount: RunningAccount;
  let sharedBase: string;
  before(async () => {
    ownDir = await mkdtemp(path.join(tmpdir(), 'scimbridge-api-limit-'));
    own = await startAccountService(
      loadConfig({ SCIMBRIDGE_DATA_DIR: ownDir, SCIMBRIDGE_CONSOLE_PORT: '0' }),
      {
        logger: loggerInto([]),
      },
    );
    // `api()` and `credentials()` talk to `account`/`base`; point them here for these tests.
    sharedAccount = account;
    sharedBase = base;
    account = own;
    base = own.address;
  });
  after(async () => {
    account = sharedAccount;
    base = sharedBase;
    await own.close();
    await rm(ownDir, { recursive: true, force: true });
  });

  test('every sign-in request counts, refused or not: past 30 a minute without a sign-in, 429 with Retry-After', async () => {
    const creds = await credentials();
    // A sign-in clears the count, so a bridge that signs in is never limited.
    for (let i = 0; i < 20; i++) await signIn(creds);
    // Made-up key ids and wrong answers count as well (issue 12): each is work for anyone
    // past the firewall.
    for (let i = 0; i < 15; i++) {
      const refused = await api('POST', '/sign-in/challenge', { body: { keyId: `guess-${i}` } });
      assert.equal(refused.body.code, 'credentials_revoked', `challenge ${i + 1}`);
      const wrong = await api('POST', '/sign-in', {
        body: { challengeId: 'x', keyId: creds.keyId, signature: 'x' },
      });
      assert.equal(wrong.body.code, 'sign_in_failed', `answer ${i + 1}`);
    }
    for (const [route, body] of [
      ['/sign-in/challenge', { keyId: creds.keyId }],
      ['/sign-in', { challengeId: 'x', keyId: creds.keyId, signature: 'x' }],
    ] as const) {
      const refused = await fetch(`${base}/api/v1${route}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      assert.equal(refused.status, 429, route);
      const seconds = Number(refused.headers.get('retry-after'));
      assert.ok(seconds >= 1 && seconds <= 60, `Retry-After ${seconds}`);
      const answer = await refused.json();
      assert.deepEqual(checkResponse('POST', `/api/v1${route}`, 429, answer), []);
      assert.equal(answer.code, 'rate_limited');
      assert.equal(answer.retryAfterSeconds, seconds);
    }
  });
});

test('behind a trusted proxy, the firewall judges the X-Forwarded-For address', async () => {
  // A second account server over the same database that trusts loopback as its proxy.
  const behindProxy = await startAccountService(
    loadConfig({
      SCIMBRIDGE_DATA_DIR: dataDir,
      SCIMBRIDGE_CONSOLE_PORT: '0',
      SCIMBRIDGE_TRUST_PROXY: '127.0.0.1,::1',
    }),
    { logger: createLogger({ level: 'silent', format: 'json' }) },
  );
  const rule = await addFirewallRule(account.deps, {
    kind: 'range',
    action: 'deny',
    cidr: '198.51.100.0/24',
  });
  try {
    const ask = (forwardedFor: string) =>
      fetch(`${behindProxy.address}/api/v1/sign-in/challenge`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
        body: JSON.stringify({ keyId: 'k1' }),
      }).then(async (response) => ({
        status: response.status,
        body: (await response.json()) as { code?: string; message?: string },
      }));
    const blocked = await ask('198.51.100.23');
    assert.deepEqual([blocked.status, blocked.body.code], [403, 'firewall_blocked']);
    assert.match(blocked.body.message ?? '', /198\.51\.100\.23/);
    // Past the firewall, the made-up key id is refused by the sign-in itself.
    const allowed = await ask('203.0.113.9');
    assert.ok(
      ['credentials_revoked', 'provisioning_disabled'].includes(allowed.body.code ?? ''),
      allowed.body.code,
    );
  } finally {
    await removeFirewallRule(account.deps, rule.id);
    await behindProxy.close();
  }
});

function deepNot(depth: number): unknown {
  let filter: unknown = { op: 'pr', path: { attr: 'userName' } };
  for (let i = 0; i < depth; i++) filter = { op: 'not', filter };
  return filter;
}

describe('account API channel', () => {
  interface Opened {
    socket: WebSocket;
    /** Sends one message and waits for the answer with its id. */
    ask(message: unknown, id: number): Promise<Answer>;
    closed: Promise<{ code: number; reason: string }>;
  }

  /** Opens `GET /api/v1/channel` as a WebSocket; a refusal comes back as the HTTP answer. */
  function open(token?: string, headers: Record<string, string> = {}): Promise<Opened | Answer> {
    const socket = new WebSocket(`${base.replace(/^http/, 'ws')}/api/v1/channel`, {
      headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
    const answers = new Map<number, (answer: Answer) => void>();
    socket.on('message', (data) => {
      const message = JSON.parse(String(data));
      answers.get(message.id)?.({ status: message.status, body: message.body });
    });
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    return new Promise((resolve, reject) => {
      socket.once('open', () =>
        resolve({
          socket,
          closed,
          ask: (message, id) =>
            new Promise((answered) => {
              answers.set(id, answered);
              socket.send(typeof message === 'string' ? message : JSON.stringify(message));
            }),
        }),
      );
      socket.once('unexpected-response', (_request, response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => {
          text += chunk;
        });
        response.on('end', () => {
          const body = JSON.parse(text);
          assert.deepEqual(checkResponse('GET', '/api/v1/channel', response.statusCode ?? 0, body), []);
          resolve({ status: response.statusCode ?? 0, body });
        });
      });
      socket.once('error', reject);
    });
  }

  async function openChannel(token: string): Promise<Opened> {
    const opened = await open(token);
    assert.ok('socket' in opened, JSON.stringify(opened));
    return opened;
  }

  const search = { method: 'POST', path: '/members/search', body: { query: { startIndex: 1, count: 0 } } };

  test('a message gets exactly what POST /batch answers for the same calls', async () => {
    const token = await signIn(await credentials());
    const created = await api('POST', '/members', { token, body: { input: memberInput(80) } });
    const calls = [
      { method: 'GET', path: `/members/${created.body.id}?include=groups` },
      { method: 'GET', path: '/members/no-such-member' },
      { method: 'POST', path: '/members', body: { input: memberInput(80) } },
      search,
    ];
    const overHttp = await api('POST', '/batch', { token, body: { calls } });
    const channel = await openChannel(token);
    try {
      const [first, second] = await Promise.all([
        channel.ask({ id: 1, calls }, 1),
        channel.ask({ id: 2, calls: [calls[1]] }, 2),
      ]);
      assert.deepEqual(first, overHttp);
      assert.deepEqual(second.body.results[0], overHttp.body.results[1]);
      // A batch the API refuses as a whole is refused in the answer; the channel stays open.
      const tooMany = Array.from({ length: 101 }, () => calls[1]);
      for (const [id, bad] of [
        [3, []],
        [4, 'x'],
        [5, tooMany],
      ] as const) {
        const refused = await channel.ask({ id, calls: bad }, id);
        assert.deepEqual([refused.status, refused.body.code], [400, 'invalid_request']);
      }
      assert.equal((await channel.ask({ id: 6, calls: [search] }, 6)).status, 200);
      assert.ok(logLines.some((line) => line.includes('bridge opened an account API channel')));
    } finally {
      channel.socket.close();
    }
  });

  test('opening needs a valid API session and passes the firewall; a plain GET is told to upgrade', async () => {
    const none = await open();
    assert.deepEqual(
      ['status' in none && none.status, 'body' in none && none.body.code],
      [401, 'api_session_invalid'],
    );
    const forged = await open(`sbs_${'A'.repeat(43)}`);
    assert.deepEqual('body' in forged && forged.body.code, 'api_session_invalid');
    const token = await signIn(await credentials());
    const plain = await api('GET', '/channel', { token });
    assert.deepEqual([plain.status, plain.body.code], [400, 'invalid_request']);
    assert.match(plain.body.message, /WebSocket/);

    const rule = await addFirewallRule(account.deps, { kind: 'range', action: 'deny', cidr: '127.0.0.0/8' });
    try {
      await new Promise((resolve) => setTimeout(resolve, 1100)); // the rule cache's second
      const blocked = await open(token);
      assert.deepEqual('body' in blocked && [blocked.status, blocked.body.code], [403, 'firewall_blocked']);
      // A spoofed header from an untrusted client does not get it through.
      const spoofed = await open(token, { 'x-forwarded-for': '198.51.100.1' });
      assert.equal('body' in spoofed && spoofed.body.code, 'firewall_blocked');
    } finally {
      await removeFirewallRule(account.deps, rule.id);
      await new Promise((resolve) => setTimeout(resolve, 1100));
    }
  });

  test('every message is checked again: a new firewall rule, regenerated credentials and provisioning off refuse the next one', async () => {
    const token = await signIn(await credentials());
    const channel = await openChannel(token);
    try {
      assert.equal((await channel.ask({ id: 1, calls: [search] }, 1)).status, 200);
      const rule = await addFirewallRule(account.deps, {
        kind: 'range',
        action: 'deny',
        cidr: '127.0.0.0/8',
      });
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const blocked = await channel.ask({ id: 2, calls: [search] }, 2);
      await removeFirewallRule(account.deps, rule.id);
      assert.deepEqual([blocked.status, blocked.body.code], [403, 'firewall_blocked']);
      assert.match(blocked.body.message, /127\.0\.0\.1/);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      assert.equal((await channel.ask({ id: 3, calls: [search] }, 3)).status, 200);

      const fresh = await credentials(); // regenerates
      const revoked = await channel.ask({ id: 4, calls: [search] }, 4);
      assert.equal(revoked.status, 401);
      assert.ok(
        ['credentials_revoked', 'api_session_invalid'].includes(revoked.body.code),
        revoked.body.code,
      );

      const freshChannel = await openChannel(await signIn(fresh));
      try {
        assert.equal((await freshChannel.ask({ id: 1, calls: [search] }, 1)).status, 200);
        await deactivateProvisioning(account.deps);
        const off = await freshChannel.ask({ id: 2, calls: [search] }, 2);
        assert.equal(off.status, off.body.code === 'provisioning_disabled' ? 403 : 401);
      } finally {
        freshChannel.socket.close();
      }
    } finally {
      channel.socket.close();
    }
  });

  test('a message that is not the protocol closes the channel and changes nothing', async () => {
    const token = await signIn(await credentials());
    const before = (
      await api('POST', '/members/search', { token, body: { query: { startIndex: 1, count: 0 } } })
    ).body.total;
    for (const bad of [
      'not json',
      JSON.stringify({ calls: [{ method: 'POST', path: '/members', body: { input: memberInput(90) } }] }),
      JSON.stringify({ id: -1, calls: [] }),
      JSON.stringify([1, 2]),
    ]) {
      const channel = await openChannel(token);
      channel.socket.send(bad);
      assert.equal((await channel.closed).code, 1007, bad);
    }
    const binary = await openChannel(token);
    binary.socket.send(Buffer.from(JSON.stringify({ id: 1, calls: [search] })), { binary: true });
    assert.equal((await binary.closed).code, 1007);
    const huge = await openChannel(token);
    huge.socket.send(JSON.stringify({ id: 1, calls: [search], pad: 'x'.repeat(17 * 1024 * 1024) }));
    assert.equal((await huge.closed).code, 1009);
    const after = (
      await api('POST', '/members/search', { token, body: { query: { startIndex: 1, count: 0 } } })
    ).body.total;
    assert.equal(after, before);
  });
});
