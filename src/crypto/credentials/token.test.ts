import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { generateToken, parseToken, TOKEN_LENGTH, TOKEN_PREFIX } from './token.ts';

describe('bearer token', () => {
  test('is sbt_ + base64url of 32 random bytes, different every time', () => {
    const first = generateToken();
    const second = generateToken();
    assert.match(first.text, /^sbt_[A-Za-z0-9_-]{43}$/);
    assert.equal(first.text.length, TOKEN_LENGTH);
    assert.equal(first.bytes.length, 32);
    assert.notEqual(first.text, second.text);
  });

  test('parses back to the same bytes', () => {
    const token = generateToken();
    const parsed = parseToken(token.text);
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.token.bytes, token.bytes);
  });

  const valid = generateToken().text;
  const body = valid.slice(TOKEN_PREFIX.length);
  const cases: Array<[string, string]> = [
    ['empty', ''],
    ['no prefix', body],
    ['another prefix', `xbt_${body}`],
    ['upper-case prefix', `SBT_${body}`],
    ['one character short', valid.slice(0, -1)],
    ['one character long', `${valid}A`],
    ['standard base64 alphabet', `${TOKEN_PREFIX}+${body.slice(1)}`],
    ['padding', `${TOKEN_PREFIX}${body.slice(0, -1)}=`],
    ['non-canonical last character', `${TOKEN_PREFIX}${body.slice(0, -1)}${body.endsWith('B') ? 'C' : 'B'}`],
    ['surrounding space', ` ${valid.slice(1)}`],
  ];
  for (const [name, text] of cases) {
    test(`refuses ${name} without throwing`, () => {
      assert.deepEqual(parseToken(text), { ok: false });
    });
  }
});
