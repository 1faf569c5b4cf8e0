/**
 * Activity entries and outbox mail are written with the same `StoreOps` as the change that
 * causes them, so they land in the same transaction or not at all.
 */
import type { AccountDeps } from './deps.ts';
import type { ActivityActor, ActivityEntry, MailTemplate } from './model.ts';
import type { StoreOps } from './store.ts';

export function recordActivity(
  deps: AccountDeps,
  ops: StoreOps,
  at: string,
  action: string,
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
  return ops.enqueueMail({
    id: deps.ids(),
    to,
    template,
    data,
    state: 'queued',
    attempts: 0,
    nextAttemptAt: at,
    lastError: null,
    createdAt: at,
    sentAt: null,
  });
}
