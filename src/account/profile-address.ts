/**
 * Which e-mail address a SCIM User names for its member: the primary one, else the first of
 * type work, else the first, else a userName that is an address (IdPs commonly send only
 * that). The bridge applies it to every User an IdP writes (`toMemberInput`), and the account
 * to the stored profile when it changes only `active` (`set-member-active.ts`): one rule, so
 * reactivation under another address is a new person on both paths (P15).
 */

export const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+$/;

/** The chosen address as sent, or undefined when the User names none; its shape is the caller's to judge. */
export function addressNamedBy(emails: unknown, userName: string): string | undefined {
  if (Array.isArray(emails)) {
    const values = emails.filter(
      (entry): entry is Record<string, unknown> =>
        typeof entry === 'object' &&
        entry !== null &&
        !Array.isArray(entry) &&
        typeof entry.value === 'string' &&
        entry.value !== '',
    );
    const chosen =
      values.find((entry) => entry.primary === true) ??
      values.find((entry) => typeof entry.type === 'string' && entry.type.toLowerCase() === 'work') ??
      values[0];
    if (chosen !== undefined) return chosen.value as string;
  }
  return EMAIL_SHAPE.test(userName) ? userName : undefined;
}
