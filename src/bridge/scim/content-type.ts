/**
 * Which JSON media type an answer carries. RFC 7644 §8.1: a service provider MUST support
 * `Accept: application/scim+json`, SHOULD support `Accept: application/json`, and answers
 * `application/scim+json` when the client names neither. OneLogin requires every answer to
 * be `application/json` (research/idp-behaviour.md §6.1), so a client it sends, or one that
 * asks for plain JSON only, gets that; the body is the same either way.
 */
import { detectIdp } from '../idp-detect.ts';

export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

type Headers = Record<string, string | string[] | undefined>;

/** The quality the Accept header gives `type` (exact match only); undefined when it is not named. */
function quality(accept: string, type: string): number | undefined {
  let best: number | undefined;
  for (const range of accept.split(',')) {
    const [name, ...parameters] = range.split(';').map((part) => part.trim().toLowerCase());
    if (name !== type) continue;
    const q = parameters.find((parameter) => parameter.startsWith('q='));
    const value = q === undefined ? 1 : Number(q.slice(2));
    const safe = Number.isFinite(value) ? Math.min(Math.max(value, 0), 1) : 0;
    best = best === undefined ? safe : Math.max(best, safe);
  }
  return best;
}

/** The answer the Accept header decides by itself, or undefined when the IdP decides. */
function byAccept(accept: string): string | undefined {
  const scim = quality(accept, 'application/scim+json');
  const json = quality(accept, 'application/json');
  if (json !== undefined && json > 0 && (scim === undefined || json > scim)) return JSON_CONTENT_TYPE;
  if (scim !== undefined && scim > 0) return SCIM_CONTENT_TYPE;
  return undefined;
}

/** An IdP sends the same Accept header with every request: each is read once (bounded). */
const decided = new Map<string, string | undefined>();
const DECIDED_LIMIT = 256;

export function responseContentType(headers: Headers): string {
  const raw = headers.accept;
  const accept = typeof raw === 'string' ? raw : raw === undefined ? '' : raw.join(',');
  let type = decided.get(accept);
  if (type === undefined && !decided.has(accept)) {
    type = byAccept(accept);
    if (decided.size >= DECIDED_LIMIT) decided.clear();
    decided.set(accept, type);
  }
  if (type !== undefined) return type;
  return detectIdp(headers) === 'onelogin' ? JSON_CONTENT_TYPE : SCIM_CONTENT_TYPE;
}
