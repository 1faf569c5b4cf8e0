/**
 * An administrator sends a failing e-mail again (the console's Outbox): once the mail server
 * settings are fixed, a message the sender gave up on goes back into the queue with a fresh
 * round of attempts. Its last error stays until the next attempt replaces it.
 */
import { recordActivity } from '../activity.ts';
import { type AccountDeps, nowIso } from '../deps.ts';
import { AccountError } from '../errors.ts';
import type { OutboxMessage } from '../model.ts';

export function retryMail(deps: AccountDeps, id: string): Promise<OutboxMessage> {
  return deps.store.transaction(async (tx) => {
    const message = await tx.getMail(id);
    if (message === undefined) throw new AccountError('invalid_input', 'there is no such e-mail (any more)');
    if (message.state !== 'failed') {
      throw new AccountError(
        'invalid_input',
        `only failing e-mail is sent again; this one is ${message.state === 'queued' ? 'waiting already' : 'sent'}`,
      );
    }
    const now = nowIso(deps);
    const next: OutboxMessage = { ...message, state: 'queued', attempts: 0, nextAttemptAt: now };
    await tx.updateMail(next);
    await recordActivity(
      deps,
      tx,
      now,
      'mail.retried',
      { targetType: 'account', targetId: message.id },
      { to: message.to, template: message.template },
      'admin',
    );
    return next;
  });
}
