/** Sealed links in the outbox (issue 12): bound to their key and their message. */
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { openSqliteStore } from '../../storage/sqlite/sqlite-store.ts';
import { loadOutboxKey, OutboxKeyError } from './outbox-key-file.ts';
import { createOutboxSeal, hasClearLink, OutboxSealError, openLinks, sealLinks } from './outbox-seal.ts';
import { sealQueuedLinks } from './seal-queued-links.ts';

const key = (fill: number) => new Uint8Array(32).fill(fill);
const context = { messageId: 'm1', template: 'invitation', to: 'ada@example.com' };
const LINK = 'https://team.example.test/signup/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

describe('outbox seal', () => {
  test('a sealed link opens with its key for its message, and holds no trace of the link', () => {
    const seal = createOutboxSeal(key(1));
    const stored = sealLinks(seal, context, { memberId: 'x', link: LINK });
    assert.equal(stored.link, undefined);
    assert.ok(!JSON.stringify(stored).includes('AAAAAAAAAA'));
    assert.ok(!hasClearLink(stored));
    assert.deepEqual(openLinks(seal, context, stored), { memberId: 'x', link: LINK });
    // Address case does not matter (the row keeps what was written).
    assert.equal(openLinks(seal, { ...context, to: 'ADA@example.com' }, stored).link, LINK);
  });

  test('another key, another message, another recipient or a changed value do not open it', () => {
    const seal = createOutboxSeal(key(1));
    const stored = sealLinks(seal, context, { link: LINK });
    assert.throws(
      () => openLinks(createOutboxSeal(key(2)), context, stored),
      (error: unknown) => {
        assert.ok(error instanceof OutboxSealError);
        assert.match(
          error.message,
          /sealed under another outbox key \(key id [0-9a-f]{12}; this server's is [0-9a-f]{12}\)/,
        );
        return true;
      },
    );
    for (const other of [
      { ...context, messageId: 'm2' },
      { ...context, to: 'eve@example.com' },
      { ...context, template: 'email_change' },
    ]) {
      assert.throws(() => openLinks(seal, other, stored), OutboxSealError);
    }
    const sealed = String(stored.sealedLink);
    const flipped = `${sealed.slice(0, -2)}${sealed.endsWith('A') ? 'B' : 'A'}${sealed.slice(-1)}`;
    assert.throws(() => openLinks(seal, context, { sealedLink: flipped }), OutboxSealError);
    assert.throws(() => openLinks(seal, context, { sealedLink: 'garbage' }), /damaged/);
  });

  test('without a seal, a link is refused rather than stored in clear; without a key, opening says why', () => {
    assert.throws(() => sealLinks(undefined, context, { link: LINK }), /no outbox key/);
    assert.deepEqual(sealLinks(undefined, context, { accountName: 'Acme' }), { accountName: 'Acme' });
    const stored = sealLinks(createOutboxSeal(key(1)), context, { link: LINK });
    assert.throws(() => openLinks(undefined, context, stored), /no outbox key is at hand/);
  });

  test('the key file is made 0600 once and read back; a damaged or shared key is refused without echoing it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'outbox-key-'));
    const previous = process.umask(0);
    try {
      const file = path.join(dir, 'outbox.key');
      assert.equal(loadOutboxKey({ file, create: false }), undefined);
      const made = loadOutboxKey({ file, create: true })!;
      assert.equal(made.created, true);
      assert.equal((await stat(file)).mode & 0o777, 0o600);
      const again = loadOutboxKey({ file, create: true })!;
      assert.equal(again.created, false);
      assert.equal(again.seal.keyId, made.seal.keyId);
      const text = (await readFile(file, 'utf8')).trim();
      assert.equal(
        loadOutboxKey({ value: text, file: '/nonexistent', create: false })!.seal.keyId,
        made.seal.keyId,
      );
      assert.throws(
        () => loadOutboxKey({ value: 'not-a-key-but-a-secret', file, create: false }),
        (error: unknown) =>
          error instanceof OutboxKeyError && !error.message.includes('not-a-key-but-a-secret'),
      );
      await chmod(file, 0o644);
    } finally {
      process.umask(previous);
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('mail queued by an earlier version with a clear link is sealed at start; sent mail is left alone', async () => {
    const store = await openSqliteStore({ path: ':memory:' });
    try {
      const row = (id: string, state: 'queued' | 'failed' | 'sent', link: string) => ({
        id,
        to: `${id}@example.com`,
        template: 'invitation' as const,
        data: { memberId: id, link },
        state,
        attempts: 0,
        nextAttemptAt: '2026-01-01T00:00:00.000Z',
        lastError: null,
        createdAt: '2026-01-01T00:00:00.000Z',
        sentAt: null,
      });
      await store.enqueueMail(row('q', 'queued', LINK));
      await store.enqueueMail(row('f', 'failed', LINK));
      await store.enqueueMail(row('s', 'sent', '[removed after delivery]'));
      const seal = createOutboxSeal(key(9));
      assert.equal(await sealQueuedLinks(store, seal), 2);
      for (const id of ['q', 'f']) {
        const message = (await store.getMail(id))!;
        assert.equal(message.data.link, undefined);
        assert.equal(
          openLinks(seal, { messageId: id, template: 'invitation', to: message.to }, message.data).link,
          LINK,
        );
      }
      assert.equal((await store.getMail('s'))!.data.link, '[removed after delivery]');
      assert.equal(await sealQueuedLinks(store, seal), 0, 'once');
    } finally {
      await store.close();
    }
  });
});
