/**
 * Value checks for PATCH, delegated to the shared validator so PATCH, PUT and POST coerce and
 * reject alike: string booleans "True"/"False" from Entra (research §10.2), the bare-id
 * `manager` (research §2.4 E8), canonical sub-attribute names, type errors as 400 invalidValue.
 */

import type { AttributeDef } from '../schemas/types.ts';
import { normalizeValue } from '../validate.ts';
import { isPlainObject } from './same-value.ts';

/** One value of `attr`: the whole value when single-valued, one element when multi-valued. */
export function normalizeSingle(attr: AttributeDef, value: unknown, where: string): unknown {
  const normalized = normalizeValue(attr, value, where);
  return attr.multiValued && Array.isArray(normalized) ? normalized[0] : normalized;
}

/**
 * The elements of a multi-valued value; a single element is accepted as a one-element list.
 * Elements left with no recognised sub-attribute carry nothing and are dropped.
 */
export function normalizeElements(attr: AttributeDef, value: unknown, where: string): unknown[] {
  const normalized = normalizeValue(attr, value, where);
  if (!Array.isArray(normalized)) return [];
  return normalized.some(isEmptyObject) ? normalized.filter((e) => !isEmptyObject(e)) : normalized;
}

function isEmptyObject(value: unknown): boolean {
  if (!isPlainObject(value)) return false;
  for (const _key in value) return false;
  return true;
}
