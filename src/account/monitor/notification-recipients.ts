/**
 * Who the health monitor e-mails when a bridge goes offline or comes back (P7). An empty
 * list means the account's owners.
 */
import { recordActivity } from '../activity.ts';
import type { AccountDeps } from '../deps.ts';
import { AccountError } from '../errors.ts';

const MAX_RECIPIENTS = 50;
/** Deliberately simple: one @, no spaces, a dot in the domain. The mail server decides the rest. */
const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]+$/;

export async function setNotificationRecipients(
  deps: AccountDeps,
  emails: readonly string[],
): Promise<string[]> {
  const clean: string[] = [];
  for (const raw of emails) {
    const email = raw.trim().toLowerCase();
    if (email.length > 254 || !EMAIL.test(email)) {
      throw new AccountError('invalid_input', `"${raw.slice(0, 100)}" is not an e-mail address`);
    }
    if (!clean.includes(email)) clean.push(email);
  }
  if (clean.length > MAX_RECIPIENTS) {
    throw new AccountError('invalid_input', `at most ${MAX_RECIPIENTS} notification recipients`);
  }
  const now = deps.clock.now().toISOString();
  await deps.store.transaction(async (tx) => {
    await tx.setNotificationRecipients(clean);
    await recordActivity(
      deps,
      tx,
      now,
      'monitoring.recipients_changed',
      { targetType: 'account', targetId: 'notification-recipients' },
      { recipients: clean },
      'admin',
    );
  });
  return clean;
}

export function listNotificationRecipients(deps: Pick<AccountDeps, 'store'>): Promise<string[]> {
  return deps.store.listNotificationRecipients();
}
