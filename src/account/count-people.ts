/** How many members are in each state, for the administrators' overview and people list (issue 11). */
import type { AccountDeps } from './deps.ts';
import type { MemberState } from './model.ts';

export interface PeopleCounts {
  total: number;
  byState: Record<MemberState, number>;
}

export async function countPeople(deps: AccountDeps): Promise<PeopleCounts> {
  const byState = await deps.store.countMembersByState();
  return { total: byState.invited + byState.pending + byState.active + byState.suspended, byState };
}
