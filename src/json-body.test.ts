import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertJsonDepth, BodyTextError, decodeUtf8, parseStrictJson } from './json-body.ts';

const problem = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof BodyTextError);
    return error.problem;
  }
  return undefined;
};

test('nesting is counted outside strings only, escapes included', () => {
  assert.equal(
    problem(() => assertJsonDepth('[[["[[[[[[", "\\"[[[[["]]]', 3)),
    undefined,
  );
  assert.equal(
    problem(() => assertJsonDepth('{"a":[{"b":[1]}]}', 4)),
    undefined,
  );
  assert.equal(
    problem(() => assertJsonDepth('{"a":[{"b":[1]}]}', 3)),
    'too_deep',
  );
  assert.equal(
    problem(() => assertJsonDepth(`${'['.repeat(65)}${']'.repeat(65)}`, 64)),
    'too_deep',
  );
});

test('a 16 MB nested body is refused after reading only as deep as the limit', () => {
  // Counts the characters read, instead of timing the check, so a loaded machine cannot fail it.
  let read = 0;
  const sixteenMegabytesOfBrackets = {
    length: 16 * 1024 * 1024,
    charCodeAt: () => {
      read++;
      return '['.charCodeAt(0);
    },
  } as unknown as string;
  assert.equal(
    problem(() => assertJsonDepth(sixteenMegabytesOfBrackets, 64)),
    'too_deep',
  );
  assert.equal(read, 65);
});

test('invalid UTF-8 is refused; a byte-order mark is dropped', () => {
  assert.equal(
    problem(() => decodeUtf8(Buffer.from([0x7b, 0xff, 0x7d]))),
    'not_utf8',
  );
  assert.equal(
    problem(() => decodeUtf8(Buffer.from([0xed, 0xa0, 0x80]))),
    'not_utf8',
  );
  assert.equal(decodeUtf8(Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d])), '{}');
});

test('lone surrogates are refused in values and keys; pairs pass', () => {
  assert.equal(
    problem(() => parseStrictJson('{"a":["\\ud800"]}', 8)),
    'lone_surrogate',
  );
  assert.equal(
    problem(() => parseStrictJson('{"\\udc00":1}', 8)),
    'lone_surrogate',
  );
  assert.deepEqual(parseStrictJson('{"a":"\\ud83c\\udf89"}', 8), { a: '🎉' });
});
