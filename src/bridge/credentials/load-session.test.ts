import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createCredentials, type NewCredentials } from '../../crypto/credentials/create-credentials.ts';
import { serializeSessionFile } from '../../crypto/credentials/session-file.ts';
import {
  describeSessionSource,
  loadSessionFile,
  resolveSessionSource,
  SESSION_B64_ENV,
  SESSION_FILE_ENV,
  SessionFileError,
} from './load-session.ts';

let dir: string;
let credentials: NewCredentials;
let fileText: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scimbridge-session-'));
  credentials = await createCredentials({
    accountUrl: 'https://team.example.com',
    integrationId: 'integration-1',
    keyId: 'key-1',
    now: new Date('2026-01-01T00:00:00Z'),
  });
  fileText = serializeSessionFile(credentials.sessionFile);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('resolveSessionSource', () => {
  test('order: --session, then SCIMBRIDGE_SESSION_B64, then SCIMBRIDGE_SESSION (a path), then secrets dirs, then default', async () => {
    const secrets = join(dir, 'secrets-a');
    const empty = join(dir, 'secrets-empty');
    await mkdir(secrets, { recursive: true });
    await mkdir(empty, { recursive: true });
    await writeFile(join(secrets, 'scimsession'), fileText);
    const env = { [SESSION_B64_ENV]: 'e30', [SESSION_FILE_ENV]: '/env/path' };
    const secretsDirs = [empty, secrets];
    const defaultPath = '/data/scimsession';

    assert.deepEqual(resolveSessionSource({ sessionPath: '/flag', env, secretsDirs, defaultPath }), {
      kind: 'file',
      path: '/flag',
    });
    assert.deepEqual(resolveSessionSource({ env, secretsDirs, defaultPath }), {
      kind: 'env',
      variable: SESSION_B64_ENV,
      value: 'e30',
    });
    assert.deepEqual(
      resolveSessionSource({ env: { [SESSION_FILE_ENV]: '/env/path' }, secretsDirs, defaultPath }),
      {
        kind: 'file',
        path: '/env/path',
      },
    );
    assert.deepEqual(resolveSessionSource({ env: { [SESSION_B64_ENV]: '  ' }, secretsDirs, defaultPath }), {
      kind: 'secret',
      path: join(secrets, 'scimsession'),
    });
    assert.deepEqual(resolveSessionSource({ env: {}, secretsDirs: [empty], defaultPath }), {
      kind: 'file',
      path: defaultPath,
    });
    assert.equal(resolveSessionSource({ env: {}, secretsDirs: [empty] }), undefined);
  });

  test('descriptions name the place, never the content', () => {
    assert.equal(describeSessionSource({ kind: 'file', path: '/a/b' }), 'file /a/b');
    assert.equal(
      describeSessionSource({ kind: 'env', variable: SESSION_B64_ENV, value: 'SECRETVALUE' }),
      'environment variable SCIMBRIDGE_SESSION_B64',
    );
    assert.equal(
      describeSessionSource({ kind: 'secret', path: '/run/secrets/scimsession' }),
      'mounted secret /run/secrets/scimsession',
    );
  });
});

describe('loadSessionFile', () => {
  test('reads a path, given as a string or as a source', async () => {
    const path = join(dir, 'scimsession');
    await writeFile(path, fileText);
    assert.deepEqual(await loadSessionFile(path), credentials.sessionFile);
    assert.deepEqual(await loadSessionFile({ kind: 'secret', path }), credentials.sessionFile);
  });

  test('tolerates a byte-order mark', async () => {
    const path = join(dir, 'bom');
    await writeFile(path, `\ufeff${fileText}`);
    assert.deepEqual(await loadSessionFile(path), credentials.sessionFile);
  });

  for (const [name, encode] of [
    ['base64', (text: string) => Buffer.from(text).toString('base64')],
    ['base64url', (text: string) => Buffer.from(text).toString('base64url')],
    [
      'base64 wrapped at 76 columns',
      (text: string) =>
        Buffer.from(text)
          .toString('base64')
          .replace(/(.{76})/g, '$1\n'),
    ],
    ['raw JSON', (text: string) => text],
  ] as const) {
    test(`reads ${name} from the environment variable`, async () => {
      const value = encode(fileText);
      assert.deepEqual(
        await loadSessionFile({ kind: 'env', variable: SESSION_B64_ENV, value }),
        credentials.sessionFile,
      );
    });
  }

  const broken: Array<[string, string, string]> = [
    ['not JSON', '{"version": 1, "blob": "SECRETBLOB"', 'the content is not JSON'],
    [
      'JSON of the wrong shape',
      '{"version": 1, "accountUrl": "SECRETBLOB"}',
      '"integrationId" must be a non-empty string',
    ],
    [
      'a newer format',
      '{"version": 7, "blob": "SECRETBLOB"}',
      'unsupported format version 7 (this bridge reads version 1)',
    ],
  ];
  for (const [name, content, problem] of broken) {
    test(`a file with ${name} gives a typed error naming the source and the problem, not the content`, async () => {
      const path = join(dir, 'broken');
      await writeFile(path, content);
      await assert.rejects(loadSessionFile(path), (error: unknown) => {
        assert.ok(error instanceof SessionFileError);
        assert.equal(error.message, `Cannot use the session file from file ${path}: ${problem}`);
        assert.equal(error.source, `file ${path}`);
        assert.ok(!error.message.includes('SECRETBLOB'));
        return true;
      });
    });
  }

  test('a missing file says so', async () => {
    const path = join(dir, 'nope');
    await assert.rejects(loadSessionFile(path), {
      name: 'SessionFileError',
      problem: 'unreadable',
      message: `Cannot use the session file from file ${path}: the file does not exist`,
    });
  });

  test('an env var that is neither base64 nor JSON names the variable, not the value', async () => {
    await assert.rejects(loadSessionFile({ kind: 'env', variable: SESSION_B64_ENV, value: 'SECRET!VALUE' }), {
      name: 'SessionFileError',
      message:
        'Cannot use the session file from environment variable SCIMBRIDGE_SESSION_B64: expected base64 of the session file',
    });
  });

  test('base64 of garbage is reported as not JSON, without the decoded text', async () => {
    const value = Buffer.from('SECRET garbage').toString('base64');
    await assert.rejects(
      loadSessionFile({ kind: 'env', variable: SESSION_B64_ENV, value }),
      (error: unknown) => {
        assert.ok(error instanceof SessionFileError);
        assert.equal(error.problem, 'not_json');
        assert.ok(!error.message.includes('SECRET'));
        return true;
      },
    );
  });
});
