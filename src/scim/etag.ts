/**
 * Entity tags for resource versioning (RFC 7644 §3.14). A resource's version is a counter
 * kept by the account; its ETag is the weak tag `W/"<counter>"`. SCIM uses weak tags with
 * If-Match too (see the RFC's own examples), so both preconditions compare weakly
 * (RFC 7232 §2.3.2): `W/"3"` and `"3"` name the same version.
 */

import { invalidSyntax } from './errors.ts';

export function etagFor(version: number): string {
  return `W/"${version}"`;
}

export type ETagCondition = { any: true } | { versions: number[] };

const VERSION = /^(?:0|[1-9]\d{0,15})$/;

/**
 * Parses an If-Match or If-None-Match header: `*`, or a comma-separated list of entity tags
 * (RFC 7232 §3.1, §3.2). Returns undefined when the header is absent or blank. Well-formed
 * tags that this server never issues (`"abc"`) are kept out of `versions`, so they match
 * nothing. A malformed header is refused with 400 invalidSyntax rather than ignored: ignoring
 * an If-Match the client meant would let a write skip the check it asked for.
 */
export function parseETagHeader(header: string | undefined): ETagCondition | undefined {
  if (header === undefined) return undefined;
  const text = header.trim();
  if (text.length === 0) return undefined;
  if (text === '*') return { any: true };
  const versions: number[] = [];
  let i = 0;
  let expectTag = true;
  let tags = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c === ',') {
      expectTag = true;
      i++;
      continue;
    }
    if (!expectTag) throw malformed(header);
    let start = i;
    if (c === 'W' && text[i + 1] === '/') start = i + 2;
    if (text[start] !== '"') throw malformed(header);
    const end = text.indexOf('"', start + 1);
    if (end < 0) throw malformed(header);
    const opaque = text.slice(start + 1, end);
    if (!isOpaqueTag(opaque)) throw malformed(header);
    if (VERSION.test(opaque)) versions.push(Number(opaque));
    i = end + 1;
    tags++;
    expectTag = false;
  }
  if (tags === 0) throw malformed(header);
  return { versions };
}

/** RFC 7232 §2.3: etagc = %x21 / %x23-7E / obs-text — no spaces or control characters. */
function isOpaqueTag(opaque: string): boolean {
  for (let i = 0; i < opaque.length; i++) {
    const c = opaque.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) return false;
  }
  return true;
}

function malformed(header: string) {
  return invalidSyntax(
    `The entity-tag header ${JSON.stringify(header.slice(0, 200))} is malformed; expected * or a list such as W/"3", "4"`,
  );
}
