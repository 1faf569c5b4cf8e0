import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import {
  errorCode,
  type Fixture,
  memberInput,
  openFixture,
  setMemberState,
} from '../../test/support/account-fixture.ts';
import { testDatabases } from '../../test/support/requirements.ts';
import type { MemberInput } from './client.ts';
import { createMember } from './create-member.ts';
import { deleteMember } from './delete-member.ts';
import type { Member } from './model.ts';
import { setMemberActive } from './set-member-active.ts';
import { updateMember } from './update-member.ts';

const SIGNED_UP = '2025-03-01T10:00:00.000Z';

for (const db of testDatabases()) {
  describe(`setMemberActive (${db})`, () => {
    let f: Fixture;
    let grace: Member;
    let input: MemberInput;
    beforeEach(async () => {
      f = await openFixture({ db, allowedDomains: ['acme.test'] });
      input = memberInput({ externalId: 'entra-1' });
      grace = await createMember(f.deps, input);
    });
    afterEach(() => f.close());

    const openInvitations = async () =>
      (await f.deps.store.listInvitations(grace.id)).filter((i) => i.usedAt === null && i.revokedAt === null);

    test('active false suspends, revokes the open invitation and bumps the version (P14)', async () => {
      assert.equal((await openInvitations()).length, 1);
      const entries = (await f.activity()).length;
      f.advance(1000);
      const suspended = await setMemberActive(f.deps, grace.id, false);
      assert.equal(suspended.state, 'suspended');
      assert.equal(suspended.suspendedAt, '2025-03-01T09:00:01.000Z');
      assert.equal(suspended.version, grace.version + 1);
      assert.deepEqual(await f.deps.store.getMember(grace.id), suspended);
      // One activity entry for the one change.
      const recorded = (await f.activity()).slice(entries);
      assert.deepEqual(
        recorded.map((entry) => [entry.action, entry.detail]),
        [['member.suspended', { userName: grace.userName, state: 'suspended' }]],
      );
      assert.equal((await openInvitations()).length, 0);
      // Nothing else about the member moved.
      const { state, suspendedAt, version, updatedAt, ...rest } = suspended;
      const { state: _s, suspendedAt: _a, version: _v, updatedAt: _u, ...before } = grace;
      assert.deepEqual(rest, before);
    });

    test("suspension by the IdP ends the member's sessions, so a reactivation does not revive them", async () => {
      const session = {
        memberId: grace.id,
        createdAt: '2025-03-01T09:00:00.000Z',
        expiresAt: '2025-03-02T09:00:00.000Z',
      };
      await f.deps.store.insertMemberSession({ ...session, tokenHash: 'grace-1' });
      await setMemberActive(f.deps, grace.id, false);
      await setMemberActive(f.deps, grace.id, true);
      assert.equal(await f.deps.store.getMemberSession('grace-1'), undefined);
      await f.deps.store.insertMemberSession({ ...session, tokenHash: 'grace-2' });
      await deleteMember(f.deps, grace.id);
      assert.equal(await f.deps.store.getMemberSession('grace-2'), undefined);
    });

    test('reactivating a member who never signed up sends a new invitation', async () => {
      await setMemberActive(f.deps, grace.id, false);
      const mailBefore = (await f.mail()).length;
      const back = await setMemberActive(f.deps, grace.id, true);
      assert.equal(back.state, 'invited');
      assert.equal(back.suspendedAt, null);
      assert.equal(back.version, grace.version + 2);
      assert.equal((await f.actions()).at(-1), 'member.reactivated');
      const mail = (await f.mail()).slice(mailBefore);
      assert.deepEqual(
        mail.map((m) => [m.template, m.to]),
        [['invitation', 'grace@acme.test']],
      );
      assert.equal((await openInvitations()).length, 1);
    });

    test('a confirmed member comes back active, without an invitation', async () => {
      await setMemberState(f, grace.id, { signedUpAt: SIGNED_UP, confirmedAt: SIGNED_UP, state: 'active' });
      await setMemberActive(f.deps, grace.id, false);
      const mailBefore = (await f.mail()).length;
      const back = await setMemberActive(f.deps, grace.id, true);
      assert.equal(back.state, 'active');
      assert.equal((await f.mail()).length, mailBefore);
    });

    test('the value it already has writes nothing and keeps the version', async () => {
      const actions = await f.actions();
      const same = await setMemberActive(f.deps, grace.id, true, grace.version);
      assert.deepEqual(same, grace);
      assert.deepEqual(await f.deps.store.getMember(grace.id), grace);
      assert.deepEqual(await f.actions(), actions);
      const suspended = await setMemberActive(f.deps, grace.id, false);
      const again = await setMemberActive(f.deps, grace.id, false);
      assert.equal(again.version, suspended.version);
    });

    test('active true on an active member with an expired address change re-sends nothing', async () => {
      await updateMember(f.deps, grace.id, { ...input, email: 'grace.h@acme.test' });
      f.advance(30 * 24 * 3600 * 1000);
      const mailBefore = (await f.mail()).length;
      const actions = await f.actions();
      await setMemberActive(f.deps, grace.id, true);
      assert.equal((await f.mail()).length, mailBefore);
      assert.deepEqual(await f.actions(), actions);
    });

    test('a stale expected version is version_mismatch and changes nothing', async () => {
      assert.equal(
        await errorCode(() => setMemberActive(f.deps, grace.id, false, grace.version + 1)),
        'version_mismatch',
      );
      // Also when the value would not change: the client named a version it no longer has.
      assert.equal(
        await errorCode(() => setMemberActive(f.deps, grace.id, true, grace.version - 1)),
        'version_mismatch',
      );
      assert.deepEqual(await f.deps.store.getMember(grace.id), grace);
      const ok = await setMemberActive(f.deps, grace.id, false, grace.version);
      assert.equal(ok.state, 'suspended');
    });

    test('unknown and SCIM-deleted members are member_not_found', async () => {
      assert.equal(await errorCode(() => setMemberActive(f.deps, 'nobody', false)), 'member_not_found');
      await deleteMember(f.deps, grace.id);
      const deleted = await f.deps.store.getMember(grace.id);
      assert.equal(await errorCode(() => setMemberActive(f.deps, grace.id, true)), 'member_not_found');
      assert.deepEqual(await f.deps.store.getMember(grace.id), deleted);
    });

    test('owners cannot be suspended by provisioning (P16)', async () => {
      assert.equal(await errorCode(() => setMemberActive(f.deps, f.owner.id, false)), 'member_protected');
      assert.equal((await f.deps.store.getMember(f.owner.id))!.state, f.owner.state);
    });

    test('reactivated after the IdP changed the address while suspended: a new person (P15)', async () => {
      await updateMember(f.deps, grace.id, { ...input, active: false });
      // The IdP's new address is kept in the profile only; the account keeps the old one.
      await updateMember(f.deps, grace.id, {
        ...input,
        active: false,
        email: 'grace.h@acme.test',
        profile: { emails: [{ value: 'grace.h@acme.test', primary: true }] },
      });
      const fresh = await setMemberActive(f.deps, grace.id, true);
      assert.equal(fresh.id, grace.id);
      assert.equal(fresh.email, 'grace.h@acme.test');
      assert.equal(fresh.state, 'invited');
      const previous = (await f.deps.store.findMemberByEmail('grace@acme.test'))!;
      assert.notEqual(previous.id, grace.id);
      assert.equal(previous.state, 'suspended');
      assert.deepEqual((await f.actions()).slice(-2), ['member.detached', 'member.invited']);
    });

    test('reactivated with the address already pending is the same person', async () => {
      await updateMember(f.deps, grace.id, {
        ...input,
        email: 'grace.h@acme.test',
        profile: { emails: [{ value: 'grace.h@acme.test', primary: true }] },
      });
      await setMemberActive(f.deps, grace.id, false);
      const back = await setMemberActive(f.deps, grace.id, true);
      assert.equal(back.email, 'grace@acme.test');
      assert.equal(back.pendingEmail, 'grace.h@acme.test');
      assert.equal(back.state, 'invited');
    });
  });
}

describe('setMemberActive does what updateMember does with only active changed', () => {
  // Two accounts with the same clock and ids: one is changed through updateMember with the
  // stored description, the other through setMemberActive; every row and record must agree.
  const scenarios: Array<{
    name: string;
    prepare: (f: Fixture, id: string) => Promise<void>;
    active: boolean;
  }> = [
    { name: 'suspend an invited member', prepare: async () => {}, active: false },
    {
      name: 'reactivate an invited member',
      prepare: async (f, id) => {
        await setMemberActive(f.deps, id, false);
      },
      active: true,
    },
    {
      name: 'suspend a member with a pending address',
      prepare: async (f, id) => {
        const m = (await f.deps.store.getMember(id))!;
        await updateMember(f.deps, id, {
          ...inputOf(m),
          email: 'grace.h@acme.test',
          profile: profileFor('grace.h@acme.test'),
        });
      },
      active: false,
    },
    {
      name: 'reactivate after an address change while suspended',
      prepare: async (f, id) => {
        const m = (await f.deps.store.getMember(id))!;
        await updateMember(f.deps, id, { ...inputOf(m), active: false });
        await updateMember(f.deps, id, {
          ...inputOf(m),
          active: false,
          email: 'grace.h@acme.test',
          profile: profileFor('grace.h@acme.test'),
        });
      },
      active: true,
    },
  ];
  for (const { name, prepare, active } of scenarios) {
    test(name, async () => {
      const results = [];
      for (const path of ['update', 'set'] as const) {
        const f = await openFixture({ allowedDomains: ['acme.test'] });
        try {
          const grace = await createMember(
            f.deps,
            memberInput({ externalId: 'entra-1', profile: profileFor('grace@acme.test') }),
          );
          await prepare(f, grace.id);
          f.advance(5000);
          const stored = (await f.deps.store.getMember(grace.id))!;
          const member =
            path === 'update'
              ? await updateMember(f.deps, grace.id, { ...inputOf(stored), active })
              : await setMemberActive(f.deps, grace.id, active);
          results.push({
            member,
            members: (await f.deps.store.listMembers({ startIndex: 1, count: 100 })).items,
            activity: await f.activity(),
            // Links carry random tokens; everything else must match.
            mail: (await f.mail()).map(({ data: { link, ...data }, ...message }) => ({
              ...message,
              data,
              link: typeof link,
            })),
          });
        } finally {
          await f.close();
        }
      }
      assert.deepEqual(results[1], results[0]);
    });
  }
});

function profileFor(email: string): Record<string, unknown> {
  return { emails: [{ value: email, type: 'work', primary: true }], title: 'Rear Admiral' };
}

/** What the bridge would derive from the stored member's SCIM document. */
function inputOf(member: Member): MemberInput {
  const emails = member.profile.emails as Array<{ value: string }>;
  return {
    userName: member.userName,
    email: emails[0]!.value,
    externalId: member.externalId,
    displayName: member.displayName,
    givenName: member.givenName,
    familyName: member.familyName,
    active: member.state !== 'suspended',
    profile: member.profile,
  };
}
