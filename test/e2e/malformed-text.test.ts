/**
 * Malformed text over real HTTP (issue 12, defect 7): a body that is not UTF-8 is 400
 * invalidSyntax, control characters in names and addresses and lone surrogates anywhere are
 * 400 invalidValue, and group names compare after NFKC and case folding. Nothing refused is
 * stored, and nobody is invited.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { GROUP_SCHEMA, patch, startTestSystem, type TestSystem, USER_SCHEMA } from '../support/system.ts';

describe('malformed text is refused', () => {
  let sys: TestSystem;
  let userId = '';

  const snapshot = async () => ({
    members: await sys.store.listMembers({ startIndex: 1, count: 1000 }),
    groups: await sys.store.listGroups({ startIndex: 1, count: 1000 }),
    mail: await sys.store.listMail({ limit: 1000 }),
  });

  /** POSTs raw bytes, as a client with a broken encoder would. */
  const postBytes = async (path: string, bytes: Buffer) => {
    const response = await fetch(`${sys.scimUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sys.token}`, 'content-type': 'application/scim+json' },
      body: new Uint8Array(bytes),
    });
    return { status: response.status, body: await response.json() };
  };

  before(async () => {
    sys = await startTestSystem();
    const user = await sys.scim('POST', '/Users', {
      schemas: [USER_SCHEMA],
      userName: 'kim@example.com',
      emails: [{ value: 'kim@example.com', primary: true }],
    });
    assert.equal(user.status, 201, user.text);
    userId = user.body.id;
  });
  after(async () => {
    await sys.close();
  });

  test('invalid UTF-8 in a body is 400 invalidSyntax, not stored as U+FFFD', async () => {
    const before = await snapshot();
    const json = Buffer.from(
      `{"schemas":["${USER_SCHEMA}"],"userName":"garbage@example.com","emails":[{"value":"XX@example.com"}]}`,
    );
    const at = json.indexOf('XX');
    json[at] = 0xff;
    json[at + 1] = 0xfe;
    const answer = await postBytes('/Users', json);
    assert.equal(answer.status, 400, JSON.stringify(answer.body));
    assert.equal(answer.body.scimType, 'invalidSyntax');
    assert.match(answer.body.detail, /UTF-8/);
    assert.deepEqual(await snapshot(), before);
  });

  const controlCases: Array<[string, Record<string, unknown>]> = [
    ['NUL in userName', { userName: 'nul\u0000@example.com', emails: [{ value: 'nul@example.com' }] }],
    [
      'a control character in the e-mail address',
      { userName: 'c1', emails: [{ value: 'c\u0001@example.com' }] },
    ],
    [
      'an escape character in name.givenName',
      { userName: 'c2@example.com', name: { givenName: 'Evil\u001b[31m' } },
    ],
    ['a line break in displayName', { userName: 'c3@example.com', displayName: 'Two\nLines' }],
  ];
  for (const [name, fields] of controlCases) {
    test(`${name} is 400 invalidValue`, async () => {
      const before = await snapshot();
      const answer = await sys.scim('POST', '/Users', { schemas: [USER_SCHEMA], ...fields });
      assert.equal(answer.status, 400, answer.text);
      assert.equal(answer.body.scimType, 'invalidValue');
      assert.deepEqual(await snapshot(), before);
    });
  }

  test('NUL in a PATCHed name is 400 invalidValue and the user keeps theirs', async () => {
    const before = await sys.scim('GET', `/Users/${userId}`);
    const answer = await sys.scim(
      'PATCH',
      `/Users/${userId}`,
      patch({ op: 'replace', path: 'name.familyName', value: 'Kim\u0000' }),
    );
    assert.equal(answer.status, 400, answer.text);
    assert.equal(answer.body.scimType, 'invalidValue');
    assert.deepEqual((await sys.scim('GET', `/Users/${userId}`)).body, before.body);
  });

  const surrogateBodies: Array<[string, string]> = [
    [
      'displayName',
      `{"schemas":["${USER_SCHEMA}"],"userName":"s1@example.com","displayName":"Bad \\ud800 name"}`,
    ],
    ['title', `{"schemas":["${USER_SCHEMA}"],"userName":"s2@example.com","title":"\\udfff"}`],
    ['a key', `{"schemas":["${USER_SCHEMA}"],"userName":"s3@example.com","x\\ud83d":1}`],
  ];
  for (const [where, body] of surrogateBodies) {
    test(`a lone surrogate in ${where} is 400 invalidValue`, async () => {
      const before = await snapshot();
      const answer = await sys.scim('POST', '/Users', body);
      assert.equal(answer.status, 400, answer.text);
      assert.equal(answer.body.scimType, 'invalidValue');
      assert.deepEqual(await snapshot(), before);
    });
  }

  test('a surrogate pair (an emoji) is text and is kept', async () => {
    const answer = await sys.scim(
      'POST',
      '/Users',
      `{"schemas":["${USER_SCHEMA}"],"userName":"emoji@example.com","displayName":"Party \\ud83c\\udf89"}`,
    );
    assert.equal(answer.status, 201, answer.text);
    assert.equal(answer.body.displayName, 'Party 🎉');
  });

  for (const name of [
    'Ｏwners',
    'OWNERS',
    'ａｄｍｉｎｉｓｔｒａｔｏｒｓ',
    'team\u00a0members',
    'ＰＲＯＶＩＳＩＯＮ ＭＡＮＡＧＥＲＳ',
  ]) {
    test(`a group named ${JSON.stringify(name)} is refused as the built-in group it looks like`, async () => {
      const before = await snapshot();
      const answer = await sys.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: name });
      assert.equal(answer.status, 403, answer.text);
      assert.match(answer.body.detail, /built-in group/);
      assert.deepEqual(await snapshot(), before);
    });
  }

  test('a custom group cannot be renamed to a built-in look-alike', async () => {
    const group = await sys.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Sales' });
    assert.equal(group.status, 201, group.text);
    const answer = await sys.scim(
      'PATCH',
      `/Groups/${group.body.id}`,
      patch({ op: 'replace', path: 'displayName', value: 'ｏｗｎｅｒｓ' }),
    );
    assert.equal(answer.status, 403, answer.text);
    assert.equal((await sys.scim('GET', `/Groups/${group.body.id}`)).body.displayName, 'Sales');
  });

  test('two custom groups cannot differ only by width or case folding', async () => {
    const first = await sys.scim('POST', '/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'Ｆｉｎａｎｃｅ',
    });
    assert.equal(first.status, 201, first.text);
    for (const displayName of ['finance', 'FINANCE', 'Ｆinance']) {
      const answer = await sys.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName });
      assert.equal(answer.status, 409, `${displayName}: ${answer.text}`);
      assert.equal(answer.body.scimType, 'uniqueness');
    }
    const strasse = await sys.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Straße' });
    assert.equal(strasse.status, 201, strasse.text);
    const shouted = await sys.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'STRASSE' });
    assert.equal(shouted.status, 409, shouted.text);
  });
});
