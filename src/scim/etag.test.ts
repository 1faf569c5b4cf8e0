import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ScimError } from './errors.ts';
import { etagFor, parseETagHeader } from './etag.ts';

describe('etagFor', () => {
  test('weak tag around the version', () => assert.equal(etagFor(7), 'W/"7"'));
  test('round-trips through the parser', () =>
    assert.deepEqual(parseETagHeader(etagFor(42)), { versions: [42] }));
});

describe('parseETagHeader', () => {
  const good: Array<[string | undefined, ReturnType<typeof parseETagHeader>]> = [
    [undefined, undefined],
    ['', undefined],
    ['   ', undefined],
    ['*', { any: true }],
    [' * ', { any: true }],
    ['W/"3"', { versions: [3] }],
    ['"3"', { versions: [3] }],
    ['W/"3", "4" ,W/"5"', { versions: [3, 4, 5] }],
    ['W/"3",', { versions: [3] }],
    // Tags this server never issues are well-formed but match nothing.
    ['"e180ee84f0671b1"', { versions: [] }],
    ['W/"", W/"9"', { versions: [9] }],
    ['"01"', { versions: [] }],
  ];
  for (const [header, expected] of good) {
    test(`accepts ${JSON.stringify(header)}`, () => assert.deepEqual(parseETagHeader(header), expected));
  }

  const bad = ['3', 'W/3', '"3', 'W/"3" W/"4"', ',', '*, "3"', 'w/"3"', '"a b"'];
  for (const header of bad) {
    test(`refuses ${JSON.stringify(header)} with 400 invalidSyntax`, () => {
      assert.throws(
        () => parseETagHeader(header),
        (error: unknown) =>
          error instanceof ScimError && error.status === 400 && error.scimType === 'invalidSyntax',
      );
    });
  }
});
