/**
 * A member read from a store that keeps the profile as JSON text (SQLite) carries that text
 * until something reads `profile`: the parse happens on first access. Until then the text
 * itself can go into a SCIM answer, which saves parsing and re-serialising every user of a
 * page of 100. Once `profile` has been read or replaced the text is forgotten, so a changed
 * profile is never answered from stale text.
 */
import type { Member } from './model.ts';

const texts = new WeakMap<Member, string>();

function settle(member: Member, value: Record<string, unknown>): void {
  texts.delete(member);
  Object.defineProperty(member, 'profile', { value, writable: true, enumerable: true, configurable: true });
}

/** Gives `member` (whose `profile` is a placeholder) a profile parsed from `text` on first use. */
export function withProfileText(member: Member, text: string): Member {
  Object.defineProperty(member, 'profile', {
    enumerable: true,
    configurable: true,
    get(): Record<string, unknown> {
      const value = JSON.parse(text) as Record<string, unknown>;
      settle(member, value);
      return value;
    },
    set(value: Record<string, unknown>) {
      settle(member, value);
    },
  });
  texts.set(member, text);
  return member;
}

/** The stored JSON text of the member's profile, while nothing has read or replaced it. */
export function untouchedProfileText(member: Member): string | undefined {
  return texts.get(member);
}
