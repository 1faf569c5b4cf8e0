/**
 * Member answers of the account API, on both databases: `POST /members/search` writes each
 * member's profile as the stored JSON text instead of parsing and re-encoding it. What a
 * bridge reads back must be exactly what the in-process client returns for the same members
 * — unusual profiles included — alone and inside `/batch` next to plain answers and errors.
 * Every response is checked against docs/api/openapi.json.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { memberViewOf } from '../../src/account/api/member-json.ts';
import { signInMessage } from '../../src/account/api/protocol.ts';
import type { AccountClient, MemberView } from '../../src/account/client.ts';
import { createInProcessAccountClient } from '../../src/account/in-process-client.ts';
import { setupProvisioning } from '../../src/account/setup-provisioning.ts';
import type { MemberListQuery } from '../../src/account/store.ts';
import { loadConfig } from '../../src/config.ts';
import { bytesToBase64Url, utf8ToBytes } from '../../src/crypto/encoding.ts';
import { importPrivateKey, sign } from '../../src/crypto/keys.ts';
import { createLogger } from '../../src/logging.ts';
import { type RunningAccount, startAccountService } from '../../src/main.ts';
import { UNUSUAL_PROFILES } from '../../src/storage/contract.ts';
import { openPostgresStore } from '../../src/storage/postgres/postgres-store.ts';
import { checkResponse } from '../support/openapi.ts';
import { testDatabases } from '../support/requirements.ts';
import { openSetupSession } from '../support/session.ts';
import { TEST_DATABASE_URL } from '../support/system.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read bodies freely
type AnyBody = any;

for (const db of testDatabases()) {
  describe(`account API member answers (${db})`, () => {
    let account: RunningAccount;
    let dataDir: string;
    let schema: string | undefined;
    let client: AccountClient;
    let token: string;
    const members: MemberView[] = [];

    async function api(
      method: string,
      urlPath: string,
      body?: unknown,
    ): Promise<{ status: number; body: AnyBody }> {
      const response = await fetch(`${account.address}/api/v1${urlPath}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
      const text = await response.text();
      const parsed = JSON.parse(text);
      assert.deepEqual(checkResponse(method, `/api/v1${urlPath}`, response.status, parsed), [], text);
      return { status: response.status, body: parsed };
    }

    before(async () => {
      dataDir = await mkdtemp(path.join(tmpdir(), 'scimbridge-answers-'));
      const config = loadConfig({ SCIMBRIDGE_DATA_DIR: dataDir, SCIMBRIDGE_CONSOLE_PORT: '0' });
      const logger = createLogger({ level: 'silent', format: 'json' });
      if (db === 'postgres') {
        schema = `api_${randomBytes(6).toString('hex')}`;
        const store = await openPostgresStore({ connectionString: TEST_DATABASE_URL, schema });
        account = await startAccountService(config, { logger, store });
      } else {
        account = await startAccountService(config, { logger });
      }
      client = createInProcessAccountClient(account.deps);

      const setup = await setupProvisioning(account.deps, { accountUrl: account.address });
      const secrets = await openSetupSession(setup);
      const keyId = setup.sessionFile.keyId;
      const challenge = await api('POST', '/sign-in/challenge', { keyId });
      const message = signInMessage({
        challengeId: challenge.body.challengeId,
        keyId,
        nonce: challenge.body.nonce,
      });
      const signature = await sign(
        await importPrivateKey('Ed25519', secrets.signingPrivateKey),
        utf8ToBytes(message),
      );
      const session = await api('POST', '/sign-in', {
        challengeId: challenge.body.challengeId,
        keyId,
        signature: bytesToBase64Url(signature),
      });
      token = session.body.sessionToken;

      for (const [i, [label, profile]] of UNUSUAL_PROFILES.entries()) {
        members.push(
          await client.createMember({
            userName: `splice-${i}@example.com`,
            email: `splice-${i}@example.com`,
            externalId: i % 2 === 0 ? `ext-${i}` : null,
            displayName: label,
            givenName: i === 1 ? 'Zoë' : null,
            familyName: null,
            active: i !== 2,
            profile,
          }),
        );
      }
      // One member in a group of their own besides the built-in one; one SCIM-deleted (not listed).
      await client.createGroup({ displayName: 'Ünïcode "group"', externalId: null }, [members[3]!.id]);
      const gone = await client.createMember({
        userName: 'splice-gone@example.com',
        email: 'splice-gone@example.com',
        externalId: null,
        displayName: null,
        givenName: null,
        familyName: null,
        active: true,
        profile: { title: 'gone' },
      });
      await client.deleteMember(gone.id);
    });

    after(async () => {
      await account.close();
      await rm(dataDir, { recursive: true, force: true });
      if (schema !== undefined) {
        const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
        await admin.connect();
        await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await admin.end();
      }
    });

    const spliceMembers: MemberListQuery = {
      startIndex: 1,
      count: 50,
      filter: { op: 'sw', path: { attr: 'userName' }, value: 'splice-' },
    };

    /**
     * What the one-process bridge gets for the same query, as the API describes members (their
     * `MemberView`): the page and each member's groups.
     */
    async function inProcess(query: MemberListQuery) {
      const page = await viewPage(query);
      const groups = await client.groupsOfMembers(page.items.map((member) => member.id));
      return {
        page,
        groups: Object.fromEntries(page.items.map((member) => [member.id, groups.get(member.id) ?? []])),
      };
    }

    async function viewPage(query: MemberListQuery) {
      const page = await client.listMembers(query);
      return { ...page, items: page.items.map(memberViewOf) };
    }

    test('search answers hold exactly the members the in-process client returns', async () => {
      const expected = await inProcess(spliceMembers);
      assert.equal(expected.page.total, UNUSUAL_PROFILES.length);
      assert.deepEqual(
        expected.page.items.map((member) => member.profile),
        UNUSUAL_PROFILES.map(([, profile]) => profile),
      );

      const plain = await api('POST', '/members/search', { query: spliceMembers });
      assert.equal(plain.status, 200);
      assert.deepEqual(plain.body, expected.page);

      const withGroups = await api('POST', '/members/search?include=groups', { query: spliceMembers });
      assert.deepEqual(withGroups.body, { ...expected.page, groups: expected.groups });
      // The member in a group of their own is in it and in the built-in one.
      assert.equal(expected.groups[members[3]!.id]?.length, 2);

      // A middle page sorted on a profile attribute, and an empty page past the end.
      const sorted: MemberListQuery = {
        ...spliceMembers,
        startIndex: 2,
        count: 2,
        sortBy: { attr: 'title' },
      };
      const middle = await api('POST', '/members/search?include=groups', { query: sorted });
      const expectedMiddle = await inProcess(sorted);
      assert.equal(middle.body.items.length, 2);
      assert.deepEqual(middle.body, { ...expectedMiddle.page, groups: expectedMiddle.groups });
      const pastEnd = await api('POST', '/members/search?include=groups', {
        query: { ...spliceMembers, startIndex: 100 },
      });
      assert.deepEqual(pastEnd.body, { total: UNUSUAL_PROFILES.length, items: [] });
      const totalOnly = await api('POST', '/members/search', { query: { startIndex: 1, count: 0 } });
      assert.deepEqual(totalOnly.body, await viewPage({ startIndex: 1, count: 0 }));
    });

    test('?profiles=text sends each profile as the JSON text of the same object', async () => {
      const expected = await inProcess(spliceMembers);
      const asText = await api('POST', '/members/search?include=groups&profiles=text', {
        query: spliceMembers,
      });
      assert.equal(asText.status, 200);
      assert.deepEqual(asText.body.groups, expected.groups);
      assert.equal(asText.body.total, expected.page.total);
      assert.equal(asText.body.items.length, expected.page.items.length);
      for (const [i, item] of (asText.body.items as AnyBody[]).entries()) {
        const { profile, ...head } = expected.page.items[i]!;
        const { profileJson, ...rest } = item;
        assert.equal(typeof profileJson, 'string');
        assert.equal('profile' in item, false);
        assert.deepEqual(rest, head);
        assert.deepEqual(JSON.parse(profileJson), profile);
      }
    });

    test('a batch mixes pre-encoded search answers with plain answers and errors', async () => {
      const expected = await inProcess(spliceMembers);
      const one = members[1]!;
      const batch = await api('POST', '/batch', {
        calls: [
          { method: 'POST', path: '/members/search?include=groups', body: { query: spliceMembers } },
          { method: 'GET', path: `/members/${encodeURIComponent(one.id)}?include=groups` },
          { method: 'GET', path: '/members/no-such-member' },
          { method: 'POST', path: '/members/search', body: { query: { ...spliceMembers, count: 1 } } },
          { method: 'POST', path: '/members/search', body: { query: { startIndex: 0, count: 1 } } },
          { method: 'POST', path: '/provisioning/check', body: { keyId: 'not-the-key' } },
        ],
      });
      assert.equal(batch.status, 200);
      const results = batch.body.results as Array<{ status: number; body?: AnyBody }>;
      assert.deepEqual(
        results.map((result) => [result.status, result.body?.code]),
        [
          [200, undefined],
          [200, undefined],
          [404, 'member_not_found'],
          [200, undefined],
          [400, 'invalid_request'],
          [401, 'credentials_revoked'],
        ],
      );
      assert.deepEqual(results[0]!.body, { ...expected.page, groups: expected.groups });
      assert.deepEqual(results[1]!.body, {
        ...memberViewOf(await client.getMember(one.id)),
        groups: expected.groups[one.id],
      });
      assert.deepEqual(results[3]!.body, await viewPage({ ...spliceMembers, count: 1 }));
      // Each result body is what the operation's own request documents.
      assert.deepEqual(checkResponse('POST', '/api/v1/members/search', 200, results[0]!.body), []);
      assert.deepEqual(checkResponse('GET', `/api/v1/members/${one.id}`, 200, results[1]!.body), []);
    });
  });
}
