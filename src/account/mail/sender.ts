/**
 * Drains the outbox. Claims (one atomic UPDATE with a lease) keep two senders off the same
 * message; a process that dies mid-claim leaves it due again when the lease runs out.
 * Unavoidable window: SMTP accepted but "sent" not yet written → resent after the lease, with
 * the same Message-ID so receivers can spot the duplicate (RFC 5322 §3.6.4).
 * A message goes to SMTP only while `sendBudgetMs` of the lease is left, so a claim cannot
 * expire mid-send. Permanent failures (5yz on RCPT, unbuildable row, unopenable seal) fail at once.
 */
import type { Logger } from 'pino';
import type { Clock, IdGenerator } from '../../clock.ts';
import type { MailOutcome, OutboxMessage } from '../model.ts';
import type { Store } from '../store.ts';
import { type OutboxSeal, OutboxSealError, openLinks } from './outbox-seal.ts';
import type { MailTransport } from './smtp-transport.ts';
import { SmtpDeliveryError } from './smtp-transport.ts';
import { MailDataError, renderMail, withoutLinks } from './templates.ts';

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 10,
  baseDelayMs: 60_000,
  maxDelayMs: 2 * 60 * 60_000,
};

export interface MailSenderOptions {
  store: Store;
  transport: MailTransport;
  clock: Clock;
  ids: IdGenerator;
  random: () => number;
  logger: Logger;
  from: string;
  /** Without it, mail with a link fails. */
  seal?: OutboxSeal | undefined;
  retry?: RetryPolicy;
  batchSize?: number;
  /** About twice the transport's connections: all stay busy while the lease check stays true. */
  concurrency?: number;
  pollMs?: number;
  leaseMs?: number;
  sendBudgetMs?: number;
}

export interface MailSender {
  start(): void;
  runOnce(): Promise<number>;
  stop(): Promise<void>;
}

export function fromDomain(from: string): string {
  const address = /<([^<>]+)>\s*$/.exec(from)?.[1] ?? from;
  const at = address.lastIndexOf('@');
  const domain = at < 0 ? '' : address.slice(at + 1).trim();
  return /^[A-Za-z0-9.-]+$/.test(domain) ? domain.toLowerCase() : 'scimbridge.invalid';
}

/** Stable for a message across attempts, restarts and senders (RFC 5322 §3.6.4). */
export function messageIdFor(outboxId: string, from: string): string {
  return `<${outboxId.replace(/[^A-Za-z0-9.-]/g, '')}.outbox@${fromDomain(from)}>`;
}

/** Equal jitter, so retries of a burst spread out. */
export function retryDelayMs(failedAttempts: number, policy: RetryPolicy, random: () => number): number {
  const exponential = policy.baseDelayMs * 2 ** Math.max(0, failedAttempts - 1);
  const capped = Math.min(policy.maxDelayMs, exponential);
  return Math.round(capped / 2 + (capped / 2) * random());
}

export function createMailSender(options: MailSenderOptions): MailSender {
  const { store, transport, clock, logger } = options;
  const retry = options.retry ?? DEFAULT_RETRY_POLICY;
  const batchSize = options.batchSize ?? 100;
  const pollMs = options.pollMs ?? 1000;
  const leaseMs = options.leaseMs ?? 10 * 60_000;
  const sendBudgetMs = options.sendBudgetMs ?? 3 * 60_000;
  const concurrency = options.concurrency ?? 10;
  const iso = (ms: number) => new Date(ms).toISOString();

  async function record(message: OutboxMessage, claimId: string, outcome: MailOutcome): Promise<boolean> {
    // Quick retries narrow the duplicate window after SMTP accepted.
    for (let attempt = 1; ; attempt++) {
      try {
        return await store.finishMail(message.id, claimId, outcome);
      } catch (error) {
        if (attempt >= 3) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }
  }

  async function deliver(message: OutboxMessage, claimId: string, leaseEnd: number): Promise<void> {
    const log = logger.child({
      mailId: message.id,
      template: message.template,
      ...(typeof message.data.memberId === 'string' ? { memberId: message.data.memberId } : {}),
    });
    const attempts = message.attempts + 1;
    let rendered: ReturnType<typeof renderMail>;
    try {
      const context = { messageId: message.id, template: message.template, to: message.to };
      rendered = renderMail({
        template: message.template,
        data: openLinks(options.seal, context, message.data),
      });
    } catch (error) {
      if (!(error instanceof MailDataError) && !(error instanceof OutboxSealError)) throw error;
      await record(message, claimId, {
        state: 'failed',
        attempts: message.attempts,
        nextAttemptAt: message.nextAttemptAt,
        lastError: error.message,
        sentAt: null,
        data: message.data,
      });
      log.error(
        { reason: error.message },
        error instanceof OutboxSealError
          ? "mail not sent: its link does not open with this server's outbox key"
          : 'mail not sent: its data is incomplete',
      );
      return;
    }
    if (clock.now().getTime() > leaseEnd - sendBudgetMs) {
      // Too little of the claim is left to finish safely; the message waits for the next claim.
      log.debug('mail left for the next claim: the lease is nearly over');
      return;
    }

    try {
      await transport.send({
        from: options.from,
        to: message.to,
        subject: rendered.subject,
        text: rendered.text,
        html: rendered.html,
        messageId: messageIdFor(message.id, options.from),
        date: clock.now(),
      });
    } catch (error) {
      const failure =
        error instanceof SmtpDeliveryError
          ? error
          : new SmtpDeliveryError('the SMTP transport failed', false);
      if (!(error instanceof SmtpDeliveryError)) log.error({ err: error }, 'unexpected SMTP transport error');
      const giveUp = failure.permanent || attempts >= retry.maxAttempts;
      const nextAttemptAt = giveUp
        ? message.nextAttemptAt
        : iso(clock.now().getTime() + retryDelayMs(attempts, retry, options.random));
      await record(message, claimId, {
        state: giveUp ? 'failed' : 'queued',
        attempts,
        nextAttemptAt,
        lastError: failure.message,
        sentAt: null,
        data: message.data,
      });
      if (giveUp) {
        log.error(
          { attempts, error: failure.message },
          failure.permanent
            ? 'mail failed: the SMTP server refused the recipient for good'
            : 'mail failed: gave up after the last attempt',
        );
      } else {
        log.warn({ attempts, error: failure.message, nextAttemptAt }, 'mail delivery failed; will retry');
      }
      return;
    }

    let recorded: boolean;
    try {
      recorded = await record(message, claimId, {
        state: 'sent',
        attempts,
        nextAttemptAt: message.nextAttemptAt,
        lastError: message.lastError,
        sentAt: clock.now().toISOString(),
        data: withoutLinks(message.data),
      });
    } catch (error) {
      log.error(
        { err: error },
        'mail accepted by the SMTP server but not recorded as sent; it will be sent again (same Message-ID)',
      );
      return;
    }
    if (!recorded) {
      log.warn(
        'mail accepted by the SMTP server after its claim ran out; another sender may send it again (same Message-ID)',
      );
      return;
    }
    log.info({ attempts }, 'mail sent');
  }

  async function runOnce(): Promise<number> {
    const now = clock.now().getTime();
    const claim = { claimId: options.ids(), until: iso(now + leaseMs) };
    const batch = await store.claimDueMail(iso(now), claim, batchSize);
    const leaseEnd = now + leaseMs;
    let next = 0;
    const worker = async () => {
      while (next < batch.length) {
        const message = batch[next++]!;
        try {
          await deliver(message, claim.claimId, leaseEnd);
        } catch (error) {
          logger.error(
            { err: error, mailId: message.id },
            'mail outcome not recorded; the message is retried after its lease',
          );
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, batch.length) }, worker));
    return batch.length;
  }

  let running: Promise<void> | undefined;
  let stopping = false;
  let wake: (() => void) | undefined;

  async function loop(): Promise<void> {
    while (!stopping) {
      let claimed = 0;
      try {
        claimed = await runOnce();
      } catch (error) {
        logger.error({ err: error }, 'mail sender could not read the outbox; trying again');
      }
      if (stopping || claimed === batchSize) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  }

  return {
    start() {
      if (running) return;
      stopping = false;
      running = loop();
    },
    runOnce,
    async stop() {
      stopping = true;
      wake?.();
      await running;
      running = undefined;
      transport.close();
    },
  };
}
