/**
 * Generators for the fuzz suite: inputs shaped like what IdPs send (so that they reach deep
 * into the parsers), mixed with noise and plain garbage (so that they also hit the edges).
 */
import fc from 'fast-check';
import {
  BULK_REQUEST_URN,
  ENTERPRISE_USER_URN,
  GROUP_URN,
  PATCH_OP_URN,
  USER_URN,
} from '../../src/scim/schemas/urns.ts';

/** Text with the characters that break naive parsers: quotes, brackets, escapes, NUL, lone surrogates. */
export const nastyText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '"',
    '\\',
    '\\"',
    '[',
    ']',
    '(',
    ')',
    '.',
    ':',
    '\u0000',
    '\ud800',
    '\uffff',
    '𝒜',
    'Ｏwners',
  ),
);

const attrNames = fc.constantFrom(
  'userName',
  'displayName',
  'externalId',
  'id',
  'active',
  'title',
  'nickName',
  'name',
  'name.givenName',
  'name.familyName',
  'emails',
  'emails.value',
  'emails.type',
  'emails.primary',
  'phoneNumbers',
  'members',
  'members.value',
  'groups',
  'meta.lastModified',
  'meta.created',
  'meta.resourceType',
  `${USER_URN}:userName`,
  `${USER_URN}:name.givenName`,
  `${ENTERPRISE_USER_URN}:department`,
  `${ENTERPRISE_USER_URN}:manager.value`,
  `${ENTERPRISE_USER_URN}:manager`,
  'urn:x:unknown:attr',
  'USERNAME',
  'unknownAttr',
  '$ref',
);

const compareOps = fc.constantFrom('eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le', 'EQ', 'Sw', 'xx');

const literal = fc.oneof(
  nastyText.map((text) => JSON.stringify(text)),
  fc.double().map(String),
  fc.integer().map(String),
  fc.constantFrom('true', 'false', 'null', 'True', '"2026-01-01T00:00:00Z"', '1e999', '-0', '"', '"\\u00'),
);

/** Filter text from the RFC 7644 §3.4.2.2 grammar, sometimes slightly wrong. */
export const filterText: fc.Arbitrary<string> = fc.letrec<{ filter: string }>((tie) => ({
  filter: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.tuple(attrNames, compareOps, literal).map(([a, op, v]) => `${a} ${op} ${v}`),
    attrNames.map((a) => `${a} pr`),
    fc
      .tuple(attrNames, tie('filter'), fc.option(attrNames, { nil: undefined }))
      .map(([a, inner, sub]) => `${a}[${inner}]${sub === undefined ? '' : `.${sub}`}`),
    fc
      .tuple(tie('filter'), fc.constantFrom('and', 'or', 'AND', 'Or', 'nand'), tie('filter'))
      .map(([l, op, r]) => `${l} ${op} ${r}`),
    tie('filter').map((f) => `not (${f})`),
    tie('filter').map((f) => `(${f})`),
  ),
})).filter;

/** A string with a few random edits: the cases one character away from valid. */
function mutated(base: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc
    .tuple(base, fc.array(fc.tuple(fc.nat(), fc.nat(3), nastyText), { maxLength: 3 }))
    .map(([text, edits]) => {
      let out = text;
      for (const [at, remove, insert] of edits) {
        const index = out.length === 0 ? 0 : at % out.length;
        out = out.slice(0, index) + insert + out.slice(index + remove);
      }
      return out;
    });
}

export const anyFilterText = fc.oneof(filterText, mutated(filterText), nastyText);
export const anyPathText = fc.oneof(
  attrNames,
  fc
    .tuple(attrNames, filterText, fc.option(attrNames, { nil: undefined }))
    .map(([a, f, sub]) => `${a}[${f}]${sub === undefined ? '' : `.${sub}`}`),
  mutated(attrNames),
  nastyText,
);

/** What a JSON body is once parsed: plain objects, as JSON.parse makes them. */
function asParsed<T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return arbitrary.map((value) => {
    const text = JSON.stringify(value);
    return text === undefined ? null : (JSON.parse(text) as unknown);
  });
}

/** Any JSON value, sometimes deep. */
export const anyJson = asParsed(fc.jsonValue({ maxDepth: 4 }));

/** Values an attribute may be given, as IdPs send them (booleans as strings included). */
const attributeValue = fc.oneof(
  anyJson,
  fc.constantFrom('True', 'False', 'true', ''),
  fc.record(
    {
      value: fc.oneof(nastyText, fc.constant('x@example.com')),
      type: fc.constantFrom('work', 'home', 'other', 'WORK'),
      primary: fc.oneof(fc.boolean(), fc.constantFrom('True', 'false')),
      display: nastyText,
    },
    { requiredKeys: [] },
  ),
  fc.array(fc.record({ value: fc.oneof(nastyText, fc.uuid()), display: nastyText }, { requiredKeys: [] }), {
    maxLength: 4,
  }),
  fc.dictionary(attrNames, anyJson, { maxKeys: 4 }),
);

const patchOperation = fc.record(
  {
    op: fc.constantFrom('add', 'remove', 'replace', 'Add', 'Replace', 'Remove', 'move', ''),
    path: anyPathText,
    value: attributeValue,
  },
  { requiredKeys: [] },
);

/** A PatchOp body (RFC 7644 §3.5.2), or something near it. */
export const patchBody = asParsed(
  fc.oneof(
    {
      weight: 8,
      arbitrary: fc.record({
        schemas: fc.constant([PATCH_OP_URN]),
        Operations: fc.array(patchOperation, { maxLength: 6 }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record(
        { schemas: fc.array(nastyText, { maxLength: 2 }), Operations: anyJson },
        { requiredKeys: [] },
      ),
    },
    { weight: 1, arbitrary: anyJson },
  ),
);

/** A User or Group body for POST/PUT, or something near it. */
export const resourceBody = asParsed(
  fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .tuple(
          fc.constantFrom([USER_URN], [USER_URN, ENTERPRISE_USER_URN], [GROUP_URN], [], ['urn:x']),
          fc.dictionary(attrNames, attributeValue, { maxKeys: 6 }),
        )
        .map(([schemas, attributes]) => ({ schemas, ...attributes })),
    },
    { weight: 1, arbitrary: anyJson },
  ),
);

const bulkOperation = fc.record(
  {
    method: fc.constantFrom('POST', 'PUT', 'PATCH', 'DELETE', 'GET', 'post', ''),
    path: fc.oneof(
      fc.constantFrom('/Users', '/Groups', '/Users/bulkId:a', '/Groups/bulkId:b', '/Users/1', '/Bulk', ''),
      nastyText,
    ),
    bulkId: fc.oneof(fc.constantFrom('a', 'b', 'c'), nastyText),
    version: nastyText,
    data: fc.oneof(
      resourceBody,
      patchBody,
      fc.constant({
        schemas: [GROUP_URN],
        displayName: 'g',
        members: [{ value: 'bulkId:a' }, { value: 'bulkId:c' }],
      }),
      fc.constant({ schemas: [USER_URN], userName: 'u', manager: 'bulkId:b' }),
    ),
  },
  { requiredKeys: [] },
);

/** A BulkRequest body (RFC 7644 §3.7), or something near it. */
export const bulkBody = asParsed(
  fc.oneof(
    {
      weight: 8,
      arbitrary: fc.record(
        {
          schemas: fc.constant([BULK_REQUEST_URN]),
          failOnErrors: fc.oneof(fc.integer({ min: -1, max: 5 }), anyJson),
          Operations: fc.array(bulkOperation, { maxLength: 6 }),
        },
        { requiredKeys: ['schemas', 'Operations'] },
      ),
    },
    { weight: 1, arbitrary: anyJson },
  ),
);

/** Bodies of the account API (the bridge's requests), right-ish and wrong. */
export const accountApiBody = asParsed(
  fc.oneof(
    fc.record(
      {
        input: fc.oneof(
          resourceBody,
          anyJson,
          fc.record({ userName: nastyText, email: nastyText, displayName: nastyText }, { requiredKeys: [] }),
        ),
        expectedVersion: fc.oneof(fc.integer(), fc.double(), anyJson),
        add: fc.array(fc.oneof(fc.uuid(), nastyText), { maxLength: 3 }),
        remove: fc.oneof(fc.array(nastyText, { maxLength: 3 }), anyJson),
        filter: anyJson,
        startIndex: anyJson,
        count: anyJson,
        sortBy: anyJson,
      },
      { requiredKeys: [] },
    ),
    anyJson,
  ),
);
