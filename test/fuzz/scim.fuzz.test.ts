/**
 * Fuzz guard (issue 12): the filter parser, the PATCH engine, the account API body checks and the
 * bulk processor take generated input and either accept it or refuse it with their own
 * typed error (ScimError, or the account API's ApiRequestError), never anything else, and a
 * refused PATCH leaves the resource exactly as it was.
 *
 * `npm test` runs a fixed-seed slice (a few hundred inputs per property). `npm run fuzz`
 * sets SCIMBRIDGE_FUZZ_RUNS (inputs per property) and a random seed, printed on failure
 * with the path that reproduces it: `SCIMBRIDGE_FUZZ_SEED=… SCIMBRIDGE_FUZZ_PATH=…`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ApiRequestError, checkBody, memberListQueryOf } from '../../src/account/api/validation.ts';
import { topLevelMembers, type ValueKind } from '../../src/bridge/scim/profile-text.ts';
import { parseBulkRequest, planBulkOrder, resolveBulkReferences } from '../../src/scim/bulk.ts';
import { ScimError } from '../../src/scim/errors.ts';
import { parseAttrPath, parseAttrPathList, parseFilter } from '../../src/scim/filter/parse.ts';
import { parseListParams, parseSearchRequest } from '../../src/scim/list-query.ts';
import table from '../../src/scim/patch/apply-patch.cases.json' with { type: 'json' };
import { applyPatch } from '../../src/scim/patch/apply-patch.ts';
import { parsePatchRequest } from '../../src/scim/patch/patch-request.ts';
import { GROUP_RESOURCE_TYPE, USER_RESOURCE_TYPE } from '../../src/scim/schemas/resource-types.ts';
import { normalizeResource } from '../../src/scim/validate.ts';
import {
  accountApiBody,
  anyFilterText,
  anyJson,
  anyPathText,
  bulkBody,
  patchBody,
  resourceBody,
} from './arbitraries.ts';
import { FUZZ_RUNS, fuzzParameters } from './settings.ts';

function params(weight = 1): fc.Parameters<unknown> {
  return fuzzParameters(Math.ceil(FUZZ_RUNS * weight));
}

/** Runs `work`; an error must be one of the expected kinds, and is returned. */
function refusedOrDone(
  work: () => unknown,
  kinds: readonly (new (...args: never[]) => Error)[] = [ScimError],
): Error | undefined {
  try {
    work();
    return undefined;
  } catch (error) {
    if (kinds.some((kind) => error instanceof kind)) {
      if (error instanceof ScimError) {
        assert.ok(
          error.status >= 400 && error.status < 500,
          `a refusal is a 4xx, got ${error.status}: ${error.detail}`,
        );
      }
      return error as Error;
    }
    throw new Error(
      `unexpected ${(error as Error)?.name ?? typeof error}: ${(error as Error)?.message ?? String(error)}`,
      {
        cause: error,
      },
    );
  }
}

test('filter parser: any text parses or is 400 invalidFilter', () => {
  fc.assert(
    fc.property(anyFilterText, (text) => {
      const error = refusedOrDone(() => parseFilter(text));
      if (error instanceof ScimError) assert.equal(error.scimType, 'invalidFilter', error.detail);
    }),
    params(2),
  );
});

test('attribute paths: any text parses or is refused as a SCIM error', () => {
  fc.assert(
    fc.property(anyPathText, (text) => {
      refusedOrDone(() => parseAttrPath(text));
      refusedOrDone(() => parseAttrPathList(text));
    }),
    params(1),
  );
});

const LIMITS = { maxCount: 100, defaultCount: 10 };
const fixtures = table.fixtures as Record<string, Record<string, unknown>>;
const fixtureNames = Object.keys(fixtures);

test('PATCH: any body applies or is refused, and a refusal changes nothing', () => {
  fc.assert(
    fc.property(fc.constantFrom(...fixtureNames), patchBody, (name, body) => {
      const resource = structuredClone(fixtures[name]!);
      const rt =
        Array.isArray(resource.schemas) && resource.schemas.some((s) => String(s).endsWith(':Group'))
          ? GROUP_RESOURCE_TYPE
          : USER_RESOURCE_TYPE;
      const before = structuredClone(resource);
      let result: ReturnType<typeof applyPatch> | undefined;
      refusedOrDone(() => {
        result = applyPatch(resource, parsePatchRequest(body), rt);
      });
      // The engine copies: the input is never written to, applied or refused.
      assert.deepEqual(resource, before);
      if (result !== undefined && !result.changed) assert.deepEqual(result.resource, before);
      if (result !== undefined) JSON.stringify(result.resource);
    }),
    params(2),
  );
});

test('resource bodies: POST/PUT bodies normalise or are refused as SCIM errors', () => {
  fc.assert(
    fc.property(resourceBody, fc.boolean(), (body, keepNulls) => {
      const before = structuredClone(body);
      refusedOrDone(() => normalizeResource(body, USER_RESOURCE_TYPE, { keepNulls }));
      refusedOrDone(() => normalizeResource(body, GROUP_RESOURCE_TYPE, { keepNulls }));
      assert.deepEqual(body, before);
    }),
    params(1),
  );
});

test('search bodies: /.search bodies and list parameters parse or are refused', () => {
  fc.assert(
    fc.property(anyJson, anyFilterText, (body, filter) => {
      refusedOrDone(() => parseListParams(parseSearchRequest(body), LIMITS));
      refusedOrDone(() => parseListParams({ filter, startIndex: '1', count: '5', sortBy: filter }, LIMITS));
    }),
    params(0.5),
  );
});

test('account API bodies: every reader accepts or says invalid_request', () => {
  fc.assert(
    fc.property(accountApiBody, (body) => {
      const kinds = [ApiRequestError];
      refusedOrDone(() => checkBody('createMember', body), kinds);
      refusedOrDone(() => checkBody('setMemberActive', body), kinds);
      refusedOrDone(() => checkBody('updateGroup', body), kinds);
      refusedOrDone(() => checkBody('changeGroupMembers', { change: body }), kinds);
      refusedOrDone(() => memberListQueryOf(checkBody('listMembers', { query: body }).query), kinds);
    }),
    params(1),
  );
});

test('bulk: any BulkRequest is planned or refused, references resolve without throwing', () => {
  fc.assert(
    fc.property(bulkBody, fc.integer({ min: 1, max: 8 }), (body, maxOperations) => {
      refusedOrDone(() => {
        const request = parseBulkRequest(body, { maxOperations });
        planBulkOrder(request.operations);
        const resolved = new Map([['a', 'id-a']]);
        for (const operation of request.operations) {
          if (operation.data !== undefined) resolveBulkReferences(operation.data, resolved);
        }
      });
    }),
    params(1.5),
  );
});

function kindOf(value: unknown): ValueKind {
  if (typeof value === 'string') return 'string';
  if (Array.isArray(value)) return value.length === 0 ? 'emptyArray' : 'array';
  if (value !== null && typeof value === 'object')
    return Object.keys(value).length === 0 ? 'emptyObject' : 'object';
  return 'literal';
}

test('stored profiles: the scan reads the names and kinds a parse gives, or leaves the text to the parser', () => {
  fc.assert(
    fc.property(fc.dictionary(fc.string(), anyJson, { maxKeys: 6 }), (profile) => {
      const text = JSON.stringify(profile);
      const read = topLevelMembers(text);
      const parsed = Object.entries(JSON.parse(text) as Record<string, unknown>);
      if (read === undefined) {
        // Only names written with escapes are refused in a compact text.
        assert.ok(
          parsed.some(([name]) => JSON.stringify(name).includes('\\')),
          text,
        );
        return;
      }
      assert.deepEqual(
        [...read],
        parsed.map(([name, value]) => [name, kindOf(value)]),
        text,
      );
    }),
    params(1),
  );
});
