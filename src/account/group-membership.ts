/**
 * Which of the ids an IdP names may actually join or leave a group.
 *
 * Owners and guests (P16): an IdP group that happens to contain an owner's break-glass
 * account or a guest must not make the whole request fail (the IdP would retry it forever
 * and every other member's change would be lost with it), so they are skipped and the skip
 * is written to the activity log for administrators to see.
 */
import { AccountError } from './errors.ts';
import { membersByIds } from './member-lookup.ts';
import { isProtectedMember } from './member-rules.ts';
import type { StoreOps } from './store.ts';

export interface Admission {
  admitted: string[];
  /** Owners and guests left alone. */
  skipped: string[];
}

/** Members to add: every id must be a member visible to SCIM, or the request changes nothing. */
export async function admitAdditions(ops: StoreOps, ids: readonly string[]): Promise<Admission> {
  const unique = [...new Set(ids)];
  const found = await membersByIds(ops, unique, { includeScimDeleted: false });
  const admitted: string[] = [];
  const skipped: string[] = [];
  for (const id of unique) {
    const member = found.get(id);
    if (member === undefined) throw new AccountError('member_not_found', `no member with id ${id}`);
    if (isProtectedMember(member)) skipped.push(id);
    else admitted.push(id);
  }
  return { admitted, skipped };
}

/**
 * Members to remove, among those actually in the group. Unknown ids are simply not there
 * (removing an absent member is a no-op), and members deleted through SCIM may still leave.
 */
export async function admitRemovals(
  ops: StoreOps,
  groupId: string,
  ids: readonly string[],
): Promise<Admission> {
  if (ids.length === 0) return { admitted: [], skipped: [] };
  const present = await ops.filterGroupMembers(groupId, [...new Set(ids)]);
  if (present.length === 0) return { admitted: [], skipped: [] };
  const found = await membersByIds(ops, present, { includeScimDeleted: true });
  const admitted: string[] = [];
  const skipped: string[] = [];
  for (const id of present) {
    const member = found.get(id);
    if (member !== undefined && isProtectedMember(member)) skipped.push(id);
    else admitted.push(id);
  }
  return { admitted, skipped };
}
