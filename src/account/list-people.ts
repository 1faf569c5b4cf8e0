/**
 * The administrators' people list (issue 11): every member, the IdP's and the others,
 * suspended and deleted-by-the-IdP included, in e-mail order. Search is a case-insensitive
 * prefix of the e-mail, display name, given or family name — a prefix, not a substring,
 * because a prefix is an index range and a substring is a scan of every member. Pages are
 * keyset pages: `next` is an opaque cursor for the page after, stable while members come and
 * go (a page never repeats or skips someone who was there all along).
 */
import type { AccountDeps } from './deps.ts';
import { AccountError } from './errors.ts';
import type { Member, MemberState } from './model.ts';
import type { PeopleQuery } from './store.ts';

export const MEMBER_STATES: readonly MemberState[] = ['invited', 'pending', 'active', 'suspended'];
export const PEOPLE_PAGE_DEFAULT = 50;
export const PEOPLE_PAGE_MAX = 500;
const SEARCH_MAX = 200;
const CURSOR_PREFIX = 'p1.';

export interface PeopleListInput {
  search?: string;
  state?: string;
  managed?: boolean;
  /** The `next` of the page before. */
  after?: string;
  limit?: number;
}

export interface PeopleList {
  people: Member[];
  /** Pass as `after` for the next page; null on the last page. */
  next: string | null;
}

export async function listPeople(deps: AccountDeps, input: PeopleListInput = {}): Promise<PeopleList> {
  const query: PeopleQuery = { limit: pageSize(input.limit) };
  const search = input.search?.trim() ?? '';
  if (search !== '') query.search = searchText(search);
  if (input.state !== undefined) query.state = memberState(input.state);
  if (input.managed !== undefined) query.managed = input.managed;
  if (input.after !== undefined) query.after = decodeCursor(input.after);
  const page = await deps.store.listPeople(query);
  return { people: page.members, next: page.nextAfter === null ? null : encodeCursor(page.nextAfter) };
}

export function memberState(text: string): MemberState {
  const state = text.trim().toLowerCase();
  if (!(MEMBER_STATES as readonly string[]).includes(state)) {
    throw new AccountError('invalid_input', `the state must be one of ${MEMBER_STATES.join(', ')}`);
  }
  return state as MemberState;
}

function pageSize(limit: number | undefined): number {
  if (limit === undefined) return PEOPLE_PAGE_DEFAULT;
  if (!Number.isInteger(limit) || limit < 1 || limit > PEOPLE_PAGE_MAX) {
    throw new AccountError(
      'invalid_input',
      `the page size must be a whole number from 1 to ${PEOPLE_PAGE_MAX}`,
    );
  }
  return limit;
}

function searchText(search: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing them is the point
  if (search.length > SEARCH_MAX || /[\u0000-\u001f\u007f]/.test(search)) {
    throw new AccountError('invalid_input', `a search is up to ${SEARCH_MAX} printable characters`);
  }
  return search;
}

function encodeCursor(key: string): string {
  return CURSOR_PREFIX + Buffer.from(key, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  const body = cursor.startsWith(CURSOR_PREFIX) ? cursor.slice(CURSOR_PREFIX.length) : '';
  const key = /^[A-Za-z0-9_-]{1,1400}$/.test(body) ? Buffer.from(body, 'base64url').toString('utf8') : '';
  if (key === '' || key.includes('\uFFFD')) {
    throw new AccountError(
      'invalid_input',
      'the page cursor is not one this list gave out; start from the first page',
    );
  }
  return key;
}
