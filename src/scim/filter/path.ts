/**
 * PATCH operation paths (RFC 7644 §3.5.2): `PATH = attrPath / valuePath [subAttr]`, e.g.
 * `name.familyName`, `members[value eq "2819c223"]`, `emails[type eq "work"].value`.
 * A malformed path is 400 invalidPath; a malformed filter inside the brackets is 400 invalidFilter.
 */

import { invalidPath } from '../errors.ts';
import type { AttrPath, Filter } from './ast.ts';
import { isAttrName, parseAttrPath, parseValueFilterAt } from './parse.ts';

export interface PatchPath {
  /** The attribute the operation targets; `sub` is set only for the plain `attr.sub` form. */
  path: AttrPath;
  /** The bracketed filter selecting elements of a multi-valued attribute; its paths name sub-attributes. */
  valueFilter?: Filter;
  /** The sub-attribute after `]`, as in `emails[type eq "work"].value`. */
  subAttr?: string;
}

export function parsePatchPath(text: string): PatchPath {
  const trimmed = text.trim();
  if (trimmed.length === 0) throw invalidPath('PATCH path is empty');
  const open = trimmed.indexOf('[');
  if (open < 0) {
    if (trimmed.includes(']')) throw invalidPath(`PATCH path "${trimmed}" has "]" without a matching "["`);
    return { path: parseAttrPath(trimmed) };
  }
  const head = trimmed.slice(0, open);
  if (head.trim().length === 0) throw invalidPath(`PATCH path "${trimmed}" has no attribute name before "["`);
  if (head.trimEnd() !== head) throw invalidPath(`PATCH path "${trimmed}": no space is allowed before "["`);
  const path = parseAttrPath(head);
  if (path.sub !== undefined) {
    throw invalidPath(
      `PATCH path "${trimmed}": "[...]" must follow a multi-valued attribute, not a sub-attribute`,
    );
  }
  const { filter, end } = parseValueFilterAt(trimmed, open);
  if (end === trimmed.length) return { path, valueFilter: filter };
  const rest = trimmed.slice(end);
  if (rest.charCodeAt(0) !== 46 /* . */ || !isAttrName(rest.slice(1))) {
    throw invalidPath(
      `PATCH path "${trimmed}": only ".subAttribute" may follow "]", found "${rest}" at position ${end}`,
    );
  }
  return { path, valueFilter: filter, subAttr: rest.slice(1) };
}
