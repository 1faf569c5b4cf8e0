/**
 * Fuzz guard over HTTP (issue 12): generated request bodies — JSON shaped like SCIM, JSON a
 * few characters off, bytes that are not UTF-8, wrong content types — sent with a valid
 * token to the bridge's writing routes. Every answer is below 500 and a SCIM error when it
 * refuses, and a refused request changes nothing (the counts and the fixtures' versions).
 *
 * In process (fastify's inject), so that thousands of requests take seconds. Sizes and
 * seeds from settings.ts (as scim.fuzz.test.ts); this property runs a hundredth as many inputs.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import {
  ERROR_SCHEMA,
  GROUP_SCHEMA,
  startTestSystem,
  type TestSystem,
  USER_SCHEMA,
} from '../support/system.ts';
import { bulkBody, nastyText, patchBody, resourceBody } from './arbitraries.ts';
import { FUZZ_RUNS, fuzzParameters } from './settings.ts';

let sys: TestSystem;
let userId: string;
let groupId: string;

before(async () => {
  sys = await startTestSystem();
  const user = await sys.scim('POST', '/Users', {
    schemas: [USER_SCHEMA],
    userName: 'fuzz.fixture@example.com',
  });
  assert.equal(user.status, 201, user.text);
  userId = user.body.id;
  const group = await sys.scim('POST', '/Groups', {
    schemas: [GROUP_SCHEMA],
    displayName: 'Fuzz fixture',
    members: [{ value: userId }],
  });
  assert.equal(group.status, 201, group.text);
  groupId = group.body.id;
});
after(async () => {
  await sys.close();
});

async function inject(method: string, url: string, headers: Record<string, string> = {}, payload?: Buffer) {
  const response = await sys.system.bridge.inject({
    method: method as 'GET',
    url: `/scim/v2${url}`,
    headers: { authorization: `Bearer ${sys.token}`, ...headers },
    ...(payload === undefined ? {} : { payload }),
  });
  return response;
}

/** What a refused request must leave as it was. */
async function snapshot(): Promise<string> {
  const parts = await Promise.all(
    ['/Users?count=0', '/Groups?count=0', `/Users/${userId}`, `/Groups/${groupId}`].map(async (url) => {
      const response = await inject('GET', url);
      const body = response.json() as { totalResults?: number; meta?: { version?: string } };
      return `${response.statusCode}:${body.totalResults ?? body.meta?.version}`;
    }),
  );
  return parts.join(' ');
}

const jsonText = fc.oneof(
  fc.oneof(resourceBody, patchBody, bulkBody).map((value) => JSON.stringify(value)),
  // JSON a few characters off: cut short, or with a byte changed.
  fc
    .tuple(
      fc.oneof(resourceBody, patchBody).map((value) => JSON.stringify(value)),
      fc.nat(),
      nastyText,
    )
    .map(([text, at, insert]) => {
      const index = text.length === 0 ? 0 : at % text.length;
      return text.slice(0, index) + insert + text.slice(index + 1);
    }),
);
const payload = fc.oneof(
  { weight: 6, arbitrary: jsonText.map((text) => Buffer.from(text, 'utf8')) },
  // Not UTF-8: lone continuation bytes, overlong forms, a UTF-16 body.
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)) },
  {
    weight: 1,
    arbitrary: jsonText.map((text) =>
      Buffer.concat([Buffer.from(text.slice(0, 20)), Buffer.from([0xc0, 0xaf, 0xff])]),
    ),
  },
  { weight: 1, arbitrary: jsonText.map((text) => Buffer.from(text, 'utf16le')) },
);
const contentType = fc.constantFrom(
  'application/scim+json',
  'application/json',
  'application/json; charset=utf-8',
  'application/scim+json; charset=utf-16',
  'text/plain',
  'application/x-www-form-urlencoded',
  undefined,
);
const target = fc.constantFrom(
  ['POST', '/Users'],
  ['POST', '/Groups'],
  ['POST', '/Users/.search'],
  ['POST', '/Bulk'],
  ['PUT', 'user'],
  ['PATCH', 'user'],
  ['PUT', 'group'],
  ['PATCH', 'group'],
);

test('bridge: generated bodies never get a 5xx, and a refused one changes nothing', async () => {
  await fc.assert(
    fc.asyncProperty(target, contentType, payload, async ([method, where], type, body) => {
      const url = where === 'user' ? `/Users/${userId}` : where === 'group' ? `/Groups/${groupId}` : where!;
      const before = await snapshot();
      const response = await inject(method!, url, type === undefined ? {} : { 'content-type': type }, body);
      assert.ok(response.statusCode < 500, `${method} ${url}: ${response.statusCode} ${response.body}`);
      if (response.statusCode >= 400) {
        const error = response.json() as { schemas?: unknown; status?: unknown };
        assert.deepEqual(error.schemas, [ERROR_SCHEMA], response.body);
        assert.equal(error.status, String(response.statusCode));
        // Bulk answers 200 with per-operation results; any other refusal leaves all as it was.
        assert.equal(
          await snapshot(),
          before,
          `${method} ${url} answered ${response.statusCode} but changed something`,
        );
      }
    }),
    fuzzParameters(Math.max(100, Math.ceil(FUZZ_RUNS / 100))),
  );
});
