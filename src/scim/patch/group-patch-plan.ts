/**
 * Group PATCH without the member list. Groups reach 50,000+ members, so membership operations
 * are reduced to id sets that the store applies with one statement each (DESIGN.md,
 * "Storage"); only the remaining attribute operations (displayName, externalId) go through
 * the document engine, on the group without its members.
 *
 * Every membership shape the IdPs send is recognised (research idp-behaviour §10.4–§10.5):
 * - `add members [{value, display?, $ref?, type?}]` (Entra E16, Okta O11, OneLogin L5)
 * - no-path `add`/`replace` whose value holds `members`
 * - `remove members[value eq "x"]`, also `or`-ed (Entra E18, Okta O11)
 * - `remove members` WITH a value list: those members only (Entra E17, JumpCloud J3)
 * - `remove members` without a value: every member (RFC 7644 §3.5.2.2)
 * - `replace members [...]`: the whole set (Okta O12)
 */

import { invalidFilter, invalidPath, invalidValue } from '../errors.ts';
import type { Filter } from '../filter/ast.ts';
import { GROUP_URN } from '../schemas/urns.ts';
import { isPlainObject } from './same-value.ts';
import type { PatchOperation } from './types.ts';

export interface MembershipChange {
  add: string[];
  remove: string[];
  /** When set, the group's members become exactly these ids; `add` and `remove` are then empty. */
  replaceWith?: string[];
}

export interface GroupPatchPlan {
  /** Operations on the group's other attributes, for `applyPatch` on the group without members. */
  attributeOps: PatchOperation[];
  membership: MembershipChange;
}

const MEMBERS = 'members';
const GROUP_URN_LOWER = GROUP_URN.toLowerCase();

/**
 * Reduces the operations, taken in order (RFC 7644 §3.5.2: operations apply sequentially), to
 * their net effect on membership. For each id the last operation wins: add-then-remove is a
 * removal and remove-then-add an addition, which is what applying them one by one would leave
 * whatever the group held before. After a replace, later adds and removes edit the replacement.
 */
export function planGroupPatch(ops: readonly PatchOperation[]): GroupPatchPlan {
  const attributeOps: PatchOperation[] = [];
  const membership = new MembershipReducer();
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    const where = `Operations[${i}]`;
    if (op.path === undefined) {
      planWithoutPath(op, membership, attributeOps, where);
      continue;
    }
    if (!isMembersPath(op.path.path)) {
      attributeOps.push(op);
      continue;
    }
    const label = op.pathText ?? MEMBERS;
    if (op.path.path.sub !== undefined || op.path.subAttr !== undefined) {
      throw invalidPath(`${where}: "${label}": members can only be added, removed or replaced as a whole`);
    }
    const filter = op.path.valueFilter;
    if (filter !== undefined) {
      const ids = memberIdsOfFilter(filter, where);
      if (op.op === 'remove') membership.remove(ids);
      // `add members[value eq "x"]` names the member in the path (Bitwarden accepts it too).
      else if (op.op === 'add') membership.add(ids);
      else
        throw invalidPath(
          `${where}: "${label}": replace the whole "members" list, or add and remove members`,
        );
      continue;
    }
    if (op.op === 'add') membership.add(readMemberIds(op.value, where));
    else if (op.op === 'replace') membership.replace(readMemberIds(op.value, where));
    // A value list removes only those members and must never empty the group (research §2.4
    // E17: a server that cleared it broke Entra's legacy removals). No value: clear them all.
    else if (op.value !== undefined && op.value !== null) membership.remove(readMemberIds(op.value, where));
    else membership.replace([]);
  }
  return { attributeOps, membership: membership.result() };
}

/** No-path add/replace: `members` becomes a membership change, the other keys stay a document op. */
function planWithoutPath(
  op: PatchOperation,
  membership: MembershipReducer,
  attributeOps: PatchOperation[],
  where: string,
): void {
  const value = op.value;
  if (!isPlainObject(value)) {
    attributeOps.push(op);
    return;
  }
  let rest: Record<string, unknown> | undefined;
  for (const key in value) {
    if (key.toLowerCase() !== MEMBERS && key.toLowerCase() !== `${GROUP_URN_LOWER}:${MEMBERS}`) continue;
    rest ??= { ...value };
    delete rest[key];
    const ids = readMemberIds(value[key], `${where}: "${key}"`);
    if (op.op === 'replace') membership.replace(ids);
    else membership.add(ids);
  }
  if (rest === undefined) attributeOps.push(op);
  else if (Object.keys(rest).length > 0) attributeOps.push({ ...op, value: rest });
}

function isMembersPath(path: { schema?: string; attr: string }): boolean {
  return (
    path.attr.toLowerCase() === MEMBERS &&
    (path.schema === undefined || path.schema.toLowerCase() === GROUP_URN_LOWER)
  );
}

/**
 * Member ids from a `members` value: `[{value, display?, $ref?, type?}]`, or one such object.
 * `display` and `$ref` are the IdP's and ignored (Entra sends `$ref: null`). Groups do not
 * nest (P18), so a member of type "Group" is refused rather than silently dropped.
 */
export function readMemberIds(value: unknown, where: string): string[] {
  if (value === null || value === undefined) return [];
  const items = Array.isArray(value) ? value : [value];
  const ids: string[] = new Array(items.length);
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const at = `${where}[${i}]`;
    if (!isPlainObject(item)) throw invalidValue(`${at}: a member must be an object with a "value" id`);
    let id: unknown;
    let type: unknown;
    for (const key in item) {
      const lower = key.toLowerCase();
      if (lower === 'value') id = item[key];
      else if (lower === 'type') type = item[key];
    }
    if (typeof id !== 'string' || id.trim() === '') {
      throw invalidValue(`${at}: a member's "value" must be a non-empty id string`);
    }
    if (typeof type === 'string' && type.toLowerCase() === 'group') {
      throw invalidValue(`${at}: groups cannot be members of groups`);
    }
    ids[i] = id;
  }
  return ids;
}

/**
 * The ids of `members[value eq "a" or value eq "b"]`. Any other filter inside the brackets
 * cannot be answered without reading the member list, so it is refused, saying why.
 */
function memberIdsOfFilter(filter: Filter, where: string): string[] {
  const ids: string[] = [];
  collectMemberIds(filter, ids, where);
  return ids;
}

function collectMemberIds(filter: Filter, into: string[], where: string): void {
  if (filter.op === 'or') {
    collectMemberIds(filter.left, into, where);
    collectMemberIds(filter.right, into, where);
    return;
  }
  if (
    filter.op === 'eq' &&
    filter.path.attr.toLowerCase() === 'value' &&
    filter.path.sub === undefined &&
    filter.path.schema === undefined
  ) {
    if (typeof filter.value !== 'string' || filter.value.trim() === '') {
      throw invalidValue(`${where}: a member id in "members[value eq ...]" must be a non-empty string`);
    }
    into.push(filter.value);
    return;
  }
  throw invalidFilter(
    `${where}: members can only be selected by id, as members[value eq "id"] (several joined with "or")`,
  );
}

/** Net membership change of a sequence of operations; sets keep insertion order and drop duplicates. */
class MembershipReducer {
  private readonly added = new Set<string>();
  private readonly removed = new Set<string>();
  private replacement: Set<string> | undefined;

  add(ids: readonly string[]): void {
    for (const id of ids) {
      if (this.replacement !== undefined) this.replacement.add(id);
      else {
        this.removed.delete(id);
        this.added.add(id);
      }
    }
  }

  remove(ids: readonly string[]): void {
    for (const id of ids) {
      if (this.replacement !== undefined) this.replacement.delete(id);
      else {
        this.added.delete(id);
        this.removed.add(id);
      }
    }
  }

  replace(ids: readonly string[]): void {
    this.replacement = new Set(ids);
    this.added.clear();
    this.removed.clear();
  }

  result(): MembershipChange {
    if (this.replacement !== undefined) return { add: [], remove: [], replaceWith: [...this.replacement] };
    return { add: [...this.added], remove: [...this.removed] };
  }
}
