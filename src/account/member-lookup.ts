/**
 * Reads a set of members by id in a few queries (one per chunk), never one per id: group
 * membership changes need to know which ids exist and which belong to owners or guests.
 */
import type { Filter } from '../scim/filter/ast.ts';
import type { Member } from './model.ts';
import type { StoreOps } from './store.ts';

/** Bounded so that the compiled SQL stays small; a change of a few ids costs one query. */
const CHUNK = 200;

/** `id eq a or id eq b or …` as a balanced tree, so its depth grows with log(n). */
function anyOfIds(ids: readonly string[], from: number, to: number): Filter {
  if (to - from === 1) return { op: 'eq', path: { attr: 'id' }, value: ids[from]! };
  const middle = (from + to) >>> 1;
  return { op: 'or', left: anyOfIds(ids, from, middle), right: anyOfIds(ids, middle, to) };
}

export async function membersByIds(
  ops: StoreOps,
  ids: readonly string[],
  options: { includeScimDeleted: boolean },
): Promise<Map<string, Member>> {
  const found = new Map<string, Member>();
  // Entra changes one member per request: a primary-key read, not a filtered list.
  if (ids.length === 1) {
    const member = await ops.getMember(ids[0]!);
    if (member !== undefined && (options.includeScimDeleted || !member.scimDeleted)) {
      found.set(member.id, member);
    }
    return found;
  }
  for (let start = 0; start < ids.length; start += CHUNK) {
    const chunk = ids.slice(start, start + CHUNK);
    const page = await ops.listMembers({
      filter: anyOfIds(chunk, 0, chunk.length),
      startIndex: 1,
      // One more than can match: the page comes back short, so the store needs no COUNT.
      count: chunk.length + 1,
      excludeScimDeleted: !options.includeScimDeleted,
    });
    for (const member of page.items) found.set(member.id, member);
  }
  return found;
}
