/**
 * The key chain's calls on the account API over real HTTP: each answers as
 * docs/api/openapi.json documents, and malformed input is refused with a clear error and
 * changes nothing.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { signInMessage } from '../../src/account/api/protocol.ts';
import { setupProvisioning } from '../../src/account/setup-provisioning.ts';
import { loadConfig } from '../../src/config.ts';
import { openSession } from '../../src/crypto/credentials/session-file.ts';
import { parseToken } from '../../src/crypto/credentials/token.ts';
import { bytesToBase64Url, utf8ToBytes } from '../../src/crypto/encoding.ts';
import {
  createGroupKeyPair,
  PROVISIONING_RECIPIENT,
  sealGroupPrivateKey,
} from '../../src/crypto/key-chain.ts';
import { generateExportedKeyPair, importPrivateKey, sign } from '../../src/crypto/keys.ts';
import { type RunningAccount, startAccountService } from '../../src/main.ts';
import { memberInput } from '../support/account-fixture.ts';
import { checkResponse } from '../support/openapi.ts';

let account: RunningAccount;
let dataDir: string;
let base: string;
let token: string;
let provisioningPublicKey: string;

interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read bodies freely
  body: any;
}

async function api(method: string, urlPath: string, body?: unknown, authorized = true): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (authorized && token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${base}/api/v1${urlPath}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const parsed = text === '' ? undefined : JSON.parse(text);
  assert.deepEqual(
    checkResponse(method, `/api/v1${urlPath}`, response.status, parsed),
    [],
    `${method} ${urlPath} → ${response.status} ${text}`,
  );
  return { status: response.status, body: parsed };
}

before(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'scimbridge-kc-api-'));
  account = await startAccountService(
    loadConfig({ SCIMBRIDGE_DATA_DIR: dataDir, SCIMBRIDGE_CONSOLE_PORT: '0' }),
    { logger: pino({ level: 'silent' }) },
  );
  base = account.address;
  const result = await setupProvisioning(account.deps, { accountUrl: base });
  provisioningPublicKey = result.integration.provisioningPublicKey;
  const parsed = parseToken(result.token);
  assert.ok(parsed.ok);
  const secrets = (await openSession(result.sessionFile, parsed.token.bytes))!;
  const signingKey = await importPrivateKey('Ed25519', secrets.signingPrivateKey);
  const challenge = await api('POST', '/sign-in/challenge', { keyId: result.sessionFile.keyId }, false);
  const signature = await sign(
    signingKey,
    utf8ToBytes(
      signInMessage({
        challengeId: challenge.body.challengeId,
        keyId: result.sessionFile.keyId,
        nonce: challenge.body.nonce,
      }),
    ),
  );
  const session = await api(
    'POST',
    '/sign-in',
    {
      challengeId: challenge.body.challengeId,
      keyId: result.sessionFile.keyId,
      signature: bytesToBase64Url(signature),
    },
    false,
  );
  token = session.body.sessionToken;
});

after(async () => {
  await account?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('account API: the key chain', () => {
  test('group keys, shares, pending confirmations and the sign-up count answer as documented', async () => {
    const group = await api('POST', '/groups', { input: { displayName: 'Keyed', externalId: null } });
    assert.equal(group.status, 201);
    const groupId = group.body.id as string;
    assert.deepEqual((await api('POST', '/group-keys/lookup', { groupIds: [groupId] })).body, { keys: [] });

    const pair = await createGroupKeyPair();
    const key = {
      groupId,
      publicKey: pair.publicKey,
      sealedForProvisioning: await sealGroupPrivateKey(groupId, pair.privateKey, {
        id: PROVISIONING_RECIPIENT,
        publicKey: provisioningPublicKey,
      }),
    };
    const added = await api('POST', '/group-keys', { keys: [key] });
    assert.equal(added.status, 200);
    assert.deepEqual(added.body.keys, [key]);
    assert.deepEqual((await api('POST', '/group-keys/lookup', { groupIds: [groupId] })).body.keys, [key]);
    assert.deepEqual((await api('POST', '/group-keys/provisioning', { page: { limit: 10 } })).body.keys, [
      key,
    ]);
    assert.deepEqual((await api('POST', '/group-keys/reseal', { keys: [key] })).body, { replaced: 1 });

    assert.deepEqual((await api('POST', '/key-shares/missing', { query: { limit: 10 } })).body, {
      missing: [],
    });
    assert.deepEqual(
      (await api('POST', '/key-shares/missing', { query: { groupId, memberIds: ['nobody'] } })).body,
      { missing: [] },
    );
    assert.deepEqual((await api('POST', '/key-shares', { shares: [] })).body, { added: 0 });
    assert.equal((await api('POST', '/confirmations/pending', { page: { limit: 10 } })).status, 200);
    assert.deepEqual(
      (await api('POST', '/confirmations', { input: { memberId: 'ghost', expectedVersion: 1, shares: [] } }))
        .body,
      { outcome: 'not_pending' },
    );
    const count = await api('GET', '/sign-ups/count');
    assert.equal(count.status, 200);
    assert.equal(typeof count.body.count, 'number');
  });

  test('a membership change can bring the key shares its new members lack, as /key-shares/missing answers them', async () => {
    const group = await api('POST', '/groups', {
      input: { displayName: 'Keyed for joiners', externalId: null },
    });
    const groupId = group.body.id as string;
    const pair = await createGroupKeyPair();
    await api('POST', '/group-keys', {
      keys: [
        {
          groupId,
          publicKey: pair.publicKey,
          sealedForProvisioning: await sealGroupPrivateKey(groupId, pair.privateKey, {
            id: PROVISIONING_RECIPIENT,
            publicKey: provisioningPublicKey,
          }),
        },
      ],
    });
    // An active member with a key pair (as after sign-up and confirmation) and an invited one.
    const create = async (name: string) =>
      (await api('POST', '/members', { input: memberInput({ email: `${name}@example.com` }) })).body as {
        id: string;
        version: number;
      };
    const joiner = await create('joiner');
    const invited = await create('invited');
    const keys = await generateExportedKeyPair('X25519');
    await account.deps.store.saveMemberKeys({
      memberId: joiner.id,
      publicKey: keys.publicKey,
      encryptedPrivateKey: 'sealed-elsewhere',
      createdAt: new Date().toISOString(),
    });
    const stored = (await account.deps.store.getMember(joiner.id))!;
    await account.deps.store.updateMember(
      { ...stored, state: 'active', version: stored.version + 1 },
      stored.version,
    );

    const changed = await api('POST', `/groups/${groupId}/membership?include=missingKeyShares`, {
      change: { add: [joiner.id, invited.id, joiner.id] },
    });
    assert.equal(changed.status, 200);
    const lookedUp = await api('POST', '/key-shares/missing', {
      query: { groupId, memberIds: [joiner.id, invited.id] },
    });
    assert.deepEqual(changed.body.missingKeyShares, lookedUp.body.missing);
    assert.deepEqual(
      changed.body.missingKeyShares.map((share: { memberId: string }) => share.memberId),
      [joiner.id],
    );
    // Without the include, or when nobody was added, the answer is the group alone or an empty list.
    const plain = await api('POST', `/groups/${groupId}/membership`, { change: { remove: [invited.id] } });
    assert.equal('missingKeyShares' in plain.body, false);
    const removal = await api('POST', `/groups/${groupId}/membership?include=missingKeyShares`, {
      change: { remove: [joiner.id] },
    });
    assert.deepEqual(removal.body.missingKeyShares, []);
  });

  const malformed: Array<[string, string, unknown, number]> = [
    [
      'a public key that is not one',
      '/group-keys',
      { keys: [{ groupId: 'g', publicKey: 'x', sealedForProvisioning: 'y' }] },
      422,
    ],
    ['keys that are not a list', '/group-keys', { keys: 'all of them' }, 400],
    ['a query that is not an object', '/key-shares/missing', { query: 7 }, 400],
    ['a limit of 0', '/key-shares/missing', { query: { limit: 0 } }, 422],
    ['a limit above 1,000', '/confirmations/pending', { page: { limit: 5000 } }, 422],
    [
      'a page cursor that is not a string',
      '/group-keys/provisioning',
      { page: { limit: 5, afterGroupId: 3 } },
      400,
    ],
    [
      'a share that is not sealed',
      '/key-shares',
      { shares: [{ groupId: 'g', memberId: 'm', sealedPrivateKey: 'plain' }] },
      422,
    ],
    ['an input that is not an object', '/confirmations', { input: 'confirm everyone' }, 400],
    ['too many group ids', '/group-keys/lookup', { groupIds: new Array(1001).fill('g') }, 422],
  ];
  for (const [name, urlPath, body, status] of malformed) {
    test(`refuses ${name} (${status})`, async () => {
      const answer = await api('POST', urlPath, body);
      assert.equal(answer.status, status, JSON.stringify(answer.body));
      assert.equal(typeof answer.body.message, 'string');
    });
  }

  test('without an API session every key-chain call is 401', async () => {
    const answer = await api('GET', '/sign-ups/count', undefined, false);
    assert.equal(answer.status, 401);
  });
});
