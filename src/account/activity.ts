/**
 * Activity entries and outbox mail are written with the same `StoreOps` as the change that
 * causes them, so they land in the same transaction or not at all.
 */

import type { ActivityAction } from './activity-actions.ts';
import type { AccountDeps } from './deps.ts';
import { sealLinks } from './mail/outbox-seal.ts';
import type { ActivityActor, ActivityEntry, MailTemplate } from './model.ts';
import type { StoreOps } from './store.ts';

export function recordActivity(
  deps: AccountDeps,
  ops: StoreOps,
  at: string,
  action: ActivityAction,
  target: Pick<ActivityEntry, 'targetType' | 'targetId'>,
  detail: Record<string, unknown> = {},
  /** Who did it: the IdP through the bridge unless said otherwise. */
  actor: ActivityActor = 'provisioning',
): Promise<void> {
  return ops.appendActivity({
    id: deps.ids(),
    at,
    actor,
    action,
    targetType: target.targetType,
    targetId: target.targetId,
    detail,
  });
}

export function enqueueMail(
  deps: AccountDeps,
  ops: StoreOps,
  at: string,
  to: string,
  template: MailTemplate,
  data: Record<string, unknown>,
): Promise<void> {
  const id = deps.ids();
  return ops.enqueueMail({
    id,
    to,
    template,
    // A link in queued mail is a working credential: it is stored sealed, never in clear.
    data: sealLinks(deps.outboxSeal, { messageId: id, template, to }, data),
    state: 'queued',
    attempts: 0,
    nextAttemptAt: at,
    lastError: null,
    createdAt: at,
    sentAt: null,
  });
}
