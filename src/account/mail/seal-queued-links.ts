/**
 * Mail queued by an earlier version kept its link in clear; the account server seals such
 * links when it starts, so an upgraded database stops holding working links at rest.
 */
import type { Store } from '../store.ts';
import { hasClearLink, type OutboxSeal, sealLinks } from './outbox-seal.ts';

/** Seals every clear link of queued or failed mail (sent mail has none); returns how many. */
export async function sealQueuedLinks(store: Store, seal: OutboxSeal): Promise<number> {
  let sealed = 0;
  for (const state of ['queued', 'failed'] as const) {
    for (const message of await store.listMail({ state, limit: 100_000 })) {
      if (!hasClearLink(message.data)) continue;
      const context = { messageId: message.id, template: message.template, to: message.to };
      await store.updateMail({ ...message, data: sealLinks(seal, context, message.data) });
      sealed++;
    }
  }
  return sealed;
}
