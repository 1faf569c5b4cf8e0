import assert from 'node:assert/strict';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FakeClock } from '../../../test/support/fake-clock.ts';
import { createCredentials, type NewCredentials } from '../../crypto/credentials/create-credentials.ts';
import { type SessionFile, serializeSessionFile } from '../../crypto/credentials/session-file.ts';
import { sign } from '../../crypto/keys.ts';
import {
  createSessionFileProvider,
  fixedSessionFileProvider,
  type SessionFileProvider,
} from './session-provider.ts';
import { createTokenVerifier, TokenVerifier } from './token-verifier.ts';

const newCredentials = (keyId: string): Promise<NewCredentials> =>
  createCredentials({
    accountUrl: 'https://team.example.com',
    integrationId: 'integration-1',
    keyId,
    now: new Date('2026-01-01T00:00:00Z'),
  });

/** Counts how often the verifier reaches for the session file. */
function counting(file: SessionFile): SessionFileProvider & { reads: number } {
  const inner = fixedSessionFileProvider(file);
  const provider = {
    reads: 0,
    sourceDescription: inner.sourceDescription,
    current: () => {
      provider.reads++;
      return inner.current();
    },
    refresh: inner.refresh,
  };
  return provider;
}

async function writeAtomically(path: string, file: SessionFile): Promise<void> {
  await writeFile(`${path}.tmp`, serializeSessionFile(file));
  await rename(`${path}.tmp`, path);
}

let first: NewCredentials;
let second: NewCredentials;
let dir: string;

before(async () => {
  [first, second] = await Promise.all([newCredentials('key-1'), newCredentials('key-2')]);
  dir = await mkdtemp(join(tmpdir(), 'scimbridge-verifier-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('TokenVerifier: the Authorization header', () => {
  const cases: Array<[string, (token: string) => string | undefined, 'missing' | 'malformed' | 'ok']> = [
    ['no header', () => undefined, 'missing'],
    ['an empty header', () => '', 'missing'],
    ['blank', () => '   ', 'missing'],
    ['Bearer', (token) => `Bearer ${token}`, 'ok'],
    ['lower-case bearer', (token) => `bearer ${token}`, 'ok'],
    ['upper-case BEARER, extra spaces', (token) => `  BEARER   ${token} `, 'ok'],
    ['Basic scheme', (token) => `Basic ${token}`, 'malformed'],
    ['the token without a scheme', (token) => token, 'malformed'],
    ['Bearer without a token', () => 'Bearer', 'malformed'],
    ['two credentials', (token) => `Bearer ${token} ${token}`, 'malformed'],
    ['a token of the wrong shape', () => 'Bearer abc.def.ghi', 'malformed'],
    [
      'a token of the right length without the prefix',
      (token) => `Bearer xyz_${token.slice(4)}`,
      'malformed',
    ],
  ];
  for (const [name, header, expected] of cases) {
    test(`${name} → ${expected}`, async () => {
      const verifier = new TokenVerifier(fixedSessionFileProvider(first.sessionFile));
      const result = await verifier.verify(header(first.token));
      if (expected === 'ok') {
        assert.equal(result.ok, true);
      } else {
        assert.deepEqual(result, { ok: false, reason: expected });
      }
    });
  }
});

describe('TokenVerifier: the token opens the session file', () => {
  test('the right token gives the session identity and usable private keys', async () => {
    const verifier = new TokenVerifier(fixedSessionFileProvider(first.sessionFile));
    const result = await verifier.verify(`Bearer ${first.token}`);
    assert.ok(result.ok);
    assert.equal(result.keyId, 'key-1');
    assert.equal(result.integrationId, 'integration-1');
    assert.equal(result.accountUrl, 'https://team.example.com');
    assert.equal(result.keys.signingPrivateKey.extractable, false);
    assert.equal((await sign(result.keys.signingPrivateKey, new Uint8Array([1]))).length, 64);
    assert.equal(result.keys.provisioningPrivateKey.algorithm.name, 'X25519');
    assert.equal(verifier.session?.keyId, 'key-1');
  });

  test('a token from another session is wrong, before and after a good one', async () => {
    const verifier = new TokenVerifier(fixedSessionFileProvider(first.sessionFile));
    assert.deepEqual(await verifier.verify(`Bearer ${second.token}`), { ok: false, reason: 'wrong_token' });
    assert.ok((await verifier.verify(`Bearer ${first.token}`)).ok);
    assert.deepEqual(await verifier.verify(`Bearer ${second.token}`), { ok: false, reason: 'wrong_token' });
    assert.ok((await verifier.verify(`Bearer ${first.token}`)).ok);
  });

  test('results never carry the token', async () => {
    const verifier = new TokenVerifier(fixedSessionFileProvider(first.sessionFile));
    const results = [
      await verifier.verify(`Bearer ${first.token}`),
      await verifier.verify(`Bearer ${second.token}`),
      await verifier.verify(`Basic ${first.token}`),
    ];
    for (const result of results) {
      const text = JSON.stringify(result);
      assert.ok(!text.includes(first.token.slice(4)) && !text.includes(second.token.slice(4)));
    }
  });

  test('after the first success the session file is not touched again for the same token', async () => {
    const provider = counting(first.sessionFile);
    const verifier = new TokenVerifier(provider);
    await verifier.verify(`Bearer ${first.token}`);
    const readsAfterUnlock = provider.reads;
    for (let index = 0; index < 100; index++) {
      assert.ok((await verifier.verify(`Bearer ${first.token}`)).ok);
    }
    assert.equal(provider.reads, readsAfterUnlock);
  });

  test('onUnlock fires once per newly opened session', async () => {
    const verifier = new TokenVerifier(fixedSessionFileProvider(first.sessionFile));
    const seen: string[] = [];
    verifier.onUnlock((session) => seen.push(session.keyId));
    await verifier.verify(`Bearer ${first.token}`);
    await verifier.verify(`Bearer ${first.token}`);
    assert.deepEqual(seen, ['key-1']);
  });
});

describe('TokenVerifier: a session file that changes on disk', () => {
  test('regenerated credentials: the new token works once the new file lands, the old one then fails', async () => {
    const path = join(dir, 'regenerated');
    await writeAtomically(path, first.sessionFile);
    const clock = new FakeClock();
    const verifier = new TokenVerifier(createSessionFileProvider({ kind: 'file', path }, { clock }));
    assert.ok((await verifier.verify(`Bearer ${first.token}`)).ok);

    await writeAtomically(path, second.sessionFile);
    clock.advance(1000);
    const fresh = await verifier.verify(`Bearer ${second.token}`);
    assert.ok(fresh.ok);
    assert.equal(fresh.keyId, 'key-2');
    assert.deepEqual(await verifier.verify(`Bearer ${first.token}`), { ok: false, reason: 'wrong_token' });
  });

  test('a replaced file is noticed on the very next failed token, with no waiting (P2)', async () => {
    const path = join(dir, 'replaced-now');
    await writeAtomically(path, first.sessionFile);
    const clock = new FakeClock();
    const verifier = new TokenVerifier(createSessionFileProvider({ kind: 'file', path }, { clock }));
    assert.ok((await verifier.verify(`Bearer ${first.token}`)).ok, 'the first token opens the first file');
    await writeAtomically(path, second.sessionFile);
    assert.ok((await verifier.verify(`Bearer ${second.token}`)).ok, 'the new token works at once');
    assert.deepEqual(await verifier.verify(`Bearer ${first.token}`), { ok: false, reason: 'wrong_token' });
  });

  test('no session file yet: session_unavailable with a readable reason, then works once it appears', async () => {
    const path = join(dir, 'appears-later');
    const clock = new FakeClock();
    const verifier = new TokenVerifier(createSessionFileProvider({ kind: 'file', path }, { clock }));
    assert.deepEqual(await verifier.verify(`Bearer ${first.token}`), {
      ok: false,
      reason: 'session_unavailable',
    });
    assert.equal(
      verifier.sessionProblem,
      `Cannot use the session file from file ${path}: the file does not exist`,
    );
    await writeAtomically(path, first.sessionFile);
    clock.advance(1000);
    assert.ok((await verifier.verify(`Bearer ${first.token}`)).ok);
    assert.equal(verifier.sessionProblem, undefined);
  });

  test('a broken replacement keeps the previous file in service', async () => {
    const path = join(dir, 'broken-replacement');
    await writeAtomically(path, first.sessionFile);
    const clock = new FakeClock();
    const verifier = new TokenVerifier(createSessionFileProvider({ kind: 'file', path }, { clock }));
    assert.ok((await verifier.verify(`Bearer ${first.token}`)).ok);
    await writeFile(path, '{"version": 1');
    clock.advance(1000);
    assert.deepEqual(await verifier.verify(`Bearer ${second.token}`), { ok: false, reason: 'wrong_token' });
    assert.ok((await verifier.verify(`Bearer ${first.token}`)).ok);
  });
});

describe('createTokenVerifier', () => {
  test('reads the session from base64 when no path is given, and says so', async () => {
    const verifier = createTokenVerifier({
      sessionBase64: Buffer.from(serializeSessionFile(first.sessionFile)).toString('base64'),
      secretsDirs: [],
      defaultPath: join(dir, 'unused-default'),
    });
    assert.equal(verifier.sessionSource, 'environment variable SCIMBRIDGE_SESSION_B64');
    assert.ok((await verifier.verify(`Bearer ${first.token}`)).ok);
  });

  test('an explicit path wins', async () => {
    const path = join(dir, 'explicit');
    await writeAtomically(path, second.sessionFile);
    const verifier = createTokenVerifier({
      sessionPath: path,
      sessionBase64: Buffer.from(serializeSessionFile(first.sessionFile)).toString('base64'),
    });
    assert.equal(verifier.sessionSource, `file ${path}`);
    assert.ok((await verifier.verify(`Bearer ${second.token}`)).ok);
  });

  test('with no source at all every token is refused and the reason says how to give one', async () => {
    const verifier = createTokenVerifier({ secretsDirs: [] });
    assert.deepEqual(await verifier.verify(`Bearer ${first.token}`), {
      ok: false,
      reason: 'session_unavailable',
    });
    assert.match(
      verifier.sessionProblem ?? '',
      /--session <path>, SCIMBRIDGE_SESSION or SCIMBRIDGE_SESSION_B64/,
    );
  });
});
