/** The query answer envelope (RFC 7644 §3.4.2). */

import { LIST_RESPONSE_URN } from './schemas/urns.ts';

export interface ListResponse<T> {
  schemas: [typeof LIST_RESPONSE_URN];
  totalResults: number;
  itemsPerPage: number;
  startIndex: number;
  Resources: T[];
}

/**
 * Builds a ListResponse. Counters are integers (Okta rejects strings), and `Resources` is
 * always present, even empty: Entra's connection test expects `200` with an empty list
 * (research/idp-behaviour.md §1).
 */
export function listResponse<T>(resources: T[], totalResults: number, startIndex: number): ListResponse<T> {
  return {
    schemas: [LIST_RESPONSE_URN],
    totalResults: Math.trunc(totalResults),
    itemsPerPage: resources.length,
    startIndex: Math.trunc(startIndex),
    Resources: resources,
  };
}

/** `listResponse` as JSON text, around resources already written as JSON text. */
export function listResponseJson(
  resources: readonly string[],
  totalResults: number,
  startIndex: number,
): string {
  return `{"schemas":["${LIST_RESPONSE_URN}"],"totalResults":${Math.trunc(totalResults)},"itemsPerPage":${resources.length},"startIndex":${Math.trunc(startIndex)},"Resources":[${resources.join(',')}]}`;
}
