/** Part of the Store contract (`contract.ts`). */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { Integration, NewActivityEntry, OutboxMessage } from '../account/model.ts';
import { type Store, UniqueViolation } from '../account/store.ts';
import { makeMail, makeMember } from './contract-fixtures.ts';

export function accountContract(open: () => Promise<Store>): void {
  describe('account, integration, activity, outbox', () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    test('account round-trips and is replaced on save', async () => {
      assert.equal(await store.getAccount(), undefined);
      const account = {
        id: 'acc',
        name: 'Team',
        allowedDomains: ['example.com'],
        createdAt: '2024-01-01T00:00:00.000Z',
      };
      await store.saveAccount(account);
      assert.deepEqual(await store.getAccount(), account);
      await store.saveAccount({ ...account, name: 'Renamed', allowedDomains: [] });
      assert.deepEqual(await store.getAccount(), { ...account, name: 'Renamed', allowedDomains: [] });
    });

    test('integration round-trips and is replaced on save', async () => {
      assert.equal(await store.getIntegration(), undefined);
      const integration: Integration = {
        id: 'int',
        state: 'active',
        keyId: 'k1',
        signingPublicKey: 'sig',
        provisioningPublicKey: 'prov',
        createdAt: '2024-01-01T00:00:00.000Z',
        updatedAt: '2024-01-01T00:00:00.000Z',
      };
      await store.saveIntegration(integration);
      assert.deepEqual(await store.getIntegration(), integration);
      const regenerated = { ...integration, keyId: 'k2', state: 'inactive' as const };
      await store.saveIntegration(regenerated);
      assert.deepEqual(await store.getIntegration(), regenerated);
    });

    test('member keys: saved, read back, replaced, looked up in bulk, gone with the member', async () => {
      await store.insertMember(makeMember('m1', { userName: 'k1', email: 'k1@example.com' }));
      await store.insertMember(makeMember('m2', { userName: 'k2', email: 'k2@example.com' }));
      await store.insertMember(makeMember('m3', { userName: 'k3', email: 'k3@example.com' }));
      assert.equal(await store.getMemberKeys('m1'), undefined);
      const keys = {
        memberId: 'm1',
        publicKey: 'pub-1',
        encryptedPrivateKey: 'sbk1.x',
        createdAt: '2024-01-01T00:00:00.000Z',
      };
      await store.saveMemberKeys(keys);
      await store.saveMemberKeys({ ...keys, memberId: 'm2', publicKey: 'pub-2' });
      assert.deepEqual(await store.getMemberKeys('m1'), keys);
      const replaced = { ...keys, publicKey: 'pub-1b', encryptedPrivateKey: 'sbk1.y' };
      await store.saveMemberKeys(replaced);
      assert.deepEqual(await store.getMemberKeys('m1'), replaced);
      assert.deepEqual(
        await store.getMemberPublicKeys(['m1', 'm2', 'm3', 'nobody']),
        new Map([
          ['m1', 'pub-1b'],
          ['m2', 'pub-2'],
        ]),
      );
      assert.deepEqual(await store.getMemberPublicKeys([]), new Map());
    });

    test('member keys refuse a member that does not exist', async () => {
      await assert.rejects(
        store.saveMemberKeys({
          memberId: 'ghost',
          publicKey: 'p',
          encryptedPrivateKey: 'e',
          createdAt: '2024-01-01T00:00:00.000Z',
        }),
      );
      assert.equal(await store.getMemberKeys('ghost'), undefined);
    });

    test('invitations: found by token digest, listed newest first, used once, revoked in bulk', async () => {
      await store.insertMember(makeMember('m1', { userName: 'i1', email: 'i1@example.com' }));
      const first = {
        id: 'inv-1',
        memberId: 'm1',
        tokenHash: 'hash-1',
        createdAt: '2024-01-01T00:00:00.000Z',
        expiresAt: '2024-01-08T00:00:00.000Z',
        usedAt: null,
        revokedAt: null,
      };
      const second = { ...first, id: 'inv-2', tokenHash: 'hash-2', createdAt: '2024-01-02T00:00:00.000Z' };
      await store.insertInvitation(first);
      await store.insertInvitation(second);
      await assert.rejects(store.insertInvitation({ ...first, id: 'inv-3' }), UniqueViolation);
      assert.deepEqual(await store.findInvitationByTokenHash('hash-1'), first);
      assert.equal(await store.findInvitationByTokenHash('nope'), undefined);
      assert.deepEqual(
        (await store.listInvitations('m1')).map((invitation) => invitation.id),
        ['inv-2', 'inv-1'],
      );
      assert.equal(await store.markInvitationUsed('inv-1', '2024-01-03T00:00:00.000Z'), true);
      assert.equal(await store.markInvitationUsed('inv-1', '2024-01-04T00:00:00.000Z'), false);
      assert.equal((await store.findInvitationByTokenHash('hash-1'))?.usedAt, '2024-01-03T00:00:00.000Z');
      // Only the open one is revoked; a used one keeps its history.
      assert.equal(await store.revokeOpenInvitations('m1', '2024-01-05T00:00:00.000Z'), 1);
      assert.equal((await store.findInvitationByTokenHash('hash-2'))?.revokedAt, '2024-01-05T00:00:00.000Z');
      assert.equal((await store.findInvitationByTokenHash('hash-1'))?.revokedAt, null);
      assert.equal(await store.markInvitationUsed('inv-2', '2024-01-06T00:00:00.000Z'), false);
      await assert.rejects(
        store.insertInvitation({ ...first, id: 'inv-9', tokenHash: 'h9', memberId: 'ghost' }),
      );
    });

    test('member credentials and sessions: saved, replaced, expired, gone with the member', async () => {
      await store.insertMember(makeMember('m1', { userName: 'c1', email: 'c1@example.com' }));
      const credential = {
        memberId: 'm1',
        proofSalt: 'salt',
        proofIterations: 1000,
        proofHash: 'scrypt$1',
        createdAt: '2024-01-01T00:00:00.000Z',
      };
      await store.saveMemberCredential(credential);
      assert.deepEqual(await store.getMemberCredential('m1'), credential);
      await store.saveMemberCredential({ ...credential, proofHash: 'scrypt$2', proofIterations: 2000 });
      assert.equal((await store.getMemberCredential('m1'))?.proofHash, 'scrypt$2');
      assert.equal((await store.getMemberCredential('m1'))?.proofIterations, 2000);

      const session = {
        tokenHash: 's1',
        memberId: 'm1',
        createdAt: '2024-01-01T00:00:00.000Z',
        expiresAt: '2024-01-01T12:00:00.000Z',
      };
      await store.insertMemberSession(session);
      await store.insertMemberSession({
        ...session,
        tokenHash: 's2',
        expiresAt: '2024-01-02T12:00:00.000Z',
      });
      assert.deepEqual(await store.getMemberSession('s1'), session);
      assert.equal(await store.deleteExpiredMemberSessions('2024-01-01T12:00:00.000Z'), 1);
      assert.equal(await store.getMemberSession('s1'), undefined);
      assert.equal(await store.deleteMemberSession('s2'), true);
      assert.equal(await store.deleteMemberSession('s2'), false);
      await store.insertMemberSession({ ...session, tokenHash: 's3' });
      assert.equal(await store.extendMemberSession('s3', '2024-01-01T13:00:00.000Z'), true);
      assert.equal(await store.extendMemberSession('s3', '2024-01-01T12:30:00.000Z'), false, 'never earlier');
      assert.equal((await store.getMemberSession('s3'))?.expiresAt, '2024-01-01T13:00:00.000Z');
      assert.equal(await store.extendMemberSession('unknown', '2024-01-01T13:00:00.000Z'), false);
    });

    test("a member's keys and credential move to another member; their sessions end", async () => {
      await store.insertMember(makeMember('m1', { userName: 't1', email: 't1@example.com' }));
      await store.insertMember(makeMember('m2', { userName: 't2', email: 't2@example.com' }));
      const at = '2024-01-01T00:00:00.000Z';
      await store.saveMemberKeys({
        memberId: 'm1',
        publicKey: 'p1',
        encryptedPrivateKey: 'e1',
        createdAt: at,
      });
      await store.saveMemberCredential({
        memberId: 'm1',
        proofSalt: 's',
        proofIterations: 1000,
        proofHash: 'h',
        createdAt: at,
      });
      await store.insertMemberSession({
        tokenHash: 'sess',
        memberId: 'm1',
        createdAt: at,
        expiresAt: '2024-01-02T00:00:00.000Z',
      });
      await store.transferMemberSignup('m1', 'm2');
      assert.equal(await store.getMemberKeys('m1'), undefined);
      assert.equal(await store.getMemberCredential('m1'), undefined);
      assert.equal(await store.getMemberSession('sess'), undefined);
      assert.equal((await store.getMemberKeys('m2'))?.publicKey, 'p1');
      assert.equal((await store.getMemberCredential('m2'))?.proofHash, 'h');
    });

    test('account secrets: the first stored value wins', async () => {
      assert.equal(await store.ensureAccountSecret('decoy', 'first'), 'first');
      assert.equal(await store.ensureAccountSecret('decoy', 'second'), 'first');
      const raced = await Promise.all([
        store.ensureAccountSecret('other', 'a'),
        store.ensureAccountSecret('other', 'b'),
      ]);
      assert.equal(raced[0], raced[1]);
    });

    test('activity lists newest first and pages with before', async () => {
      const entries: NewActivityEntry[] = [1, 2, 3].map((n) => ({
        id: `act-${n}`,
        at: `2024-01-0${n}T00:00:00.000Z`,
        actor: 'provisioning',
        action: 'member.invited',
        targetType: 'member',
        targetId: `m${n}`,
        detail: { n, nested: { ok: true } },
      }));
      for (const entry of entries) await store.appendActivity(entry);
      assert.deepEqual(await store.listActivity({ limit: 2 }), [entries[2], entries[1]]);
      assert.deepEqual(await store.listActivity({ limit: 5, before: 'act-2' }), [entries[0]]);
    });

    test('listActivity with action: only that action, paged by before, with or without a target', async () => {
      const entry = (n: number, action: NewActivityEntry['action'], targetId: string): NewActivityEntry => ({
        id: `act-${n}`,
        at: `2024-01-0${n}T00:00:00.000Z`,
        actor: 'admin',
        action,
        targetType: 'member',
        targetId,
        detail: {},
      });
      const entries = [
        entry(1, 'member.suspended', 'm1'),
        entry(2, 'member.invited', 'm1'),
        entry(3, 'member.suspended', 'm2'),
        entry(4, 'member.reactivated', 'm1'),
        entry(5, 'member.suspended', 'm1'),
      ];
      for (const e of entries) await store.appendActivity(e);
      const ids = (list: { id: string }[]) => list.map((e) => e.id);
      const first = await store.listActivity({ limit: 2, action: 'member.suspended' });
      assert.deepEqual(ids(first), ['act-5', 'act-3']);
      const older = await store.listActivity({ limit: 2, action: 'member.suspended', before: 'act-3' });
      assert.deepEqual(ids(older), ['act-1']);
      assert.deepEqual(
        ids(await store.listActivity({ limit: 5, action: 'member.suspended', targetId: 'm1' })),
        ['act-5', 'act-1'],
      );
      assert.deepEqual(
        ids(
          await store.listActivity({ limit: 5, action: 'member.suspended', targetId: 'm1', before: 'act-5' }),
        ),
        ['act-1'],
      );
      assert.deepEqual(await store.listActivity({ limit: 5, action: 'group.created' }), []);
      assert.deepEqual(
        await store.listActivity({ limit: 5, action: 'member.suspended', before: 'no-such' }),
        [],
      );
    });

    test('outbox: enqueue, get, update, list by state newest first', async () => {
      await store.enqueueMail(makeMail('mail-1'));
      await store.enqueueMail(makeMail('mail-2'));
      assert.deepEqual(await store.getMail('mail-1'), makeMail('mail-1'));
      const sent: OutboxMessage = {
        ...makeMail('mail-1'),
        state: 'sent',
        attempts: 1,
        sentAt: '2024-01-02T00:00:00.000Z',
        lastError: 'first try failed',
      };
      await store.updateMail(sent);
      assert.deepEqual(await store.getMail('mail-1'), sent);
      assert.deepEqual(
        (await store.listMail({ limit: 10 })).map((message) => message.id),
        ['mail-2', 'mail-1'],
      );
      assert.deepEqual(
        (await store.listMail({ limit: 10, state: 'queued' })).map((message) => message.id),
        ['mail-2'],
      );
    });

    test('dropQueuedMail gives up one member’s queued mail of one template, without its link', async () => {
      const forMember = (id: string, memberId: string, extra: Partial<OutboxMessage> = {}) => ({
        ...makeMail(id),
        data: { memberId, link: 'https://example.com/signup/x', accountName: 'Acme' },
        ...extra,
      });
      await store.enqueueMail(forMember('mine', 'm-1'));
      await store.enqueueMail(forMember('mine-sent', 'm-1', { state: 'sent' }));
      await store.enqueueMail(forMember('mine-change', 'm-1', { template: 'email_change' }));
      await store.enqueueMail(forMember('theirs', 'm-2'));
      assert.equal(await store.dropQueuedMail('m-1', 'invitation', 'not sent: the member was suspended'), 1);
      const dropped = await store.getMail('mine');
      assert.equal(dropped?.state, 'failed');
      assert.equal(dropped?.lastError, 'not sent: the member was suspended');
      assert.deepEqual(dropped?.data, { memberId: 'm-1', accountName: 'Acme' });
      for (const untouched of ['mine-sent', 'mine-change', 'theirs']) {
        assert.equal((await store.getMail(untouched))?.data.link, 'https://example.com/signup/x', untouched);
      }
      assert.equal((await store.getMail('theirs'))?.state, 'queued');
      assert.equal(await store.dropQueuedMail('m-1', 'invitation', 'again'), 0);
    });
  });
}
