import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import {
  errorCode,
  type Fixture,
  memberInput,
  openFixture,
  setMemberState,
} from '../../test/support/account-fixture.ts';
import type { MemberInput } from './client.ts';
import { createGroup } from './create-group.ts';
import { createMember } from './create-member.ts';
import { deleteMember } from './delete-member.ts';
import type { Member } from './model.ts';
import { updateMember } from './update-member.ts';

const START_PLUS = '2025-03-01T10:00:00.000Z';

let f: Fixture;
let grace: Member;
let input: MemberInput;
beforeEach(async () => {
  f = await openFixture({ allowedDomains: ['acme.test', 'acme.example'] });
  input = memberInput({ externalId: 'entra-1' });
  grace = await createMember(f.deps, input);
});
afterEach(() => f.close());

/** Moves Grace along the sign-up path the way the sign-up pages and the watcher would. */
const setState = (patch: Partial<Member>): Promise<Member> => setMemberState(f, grace.id, patch);

describe('updateMember: attributes (P13)', () => {
  test('names, userName, externalId and profile apply at once and bump the version', async () => {
    f.advance(60_000);
    const updated = await updateMember(f.deps, grace.id, {
      ...input,
      userName: 'ghopper',
      displayName: 'Grace B. Hopper',
      givenName: 'G.',
      familyName: 'H.',
      externalId: 'entra-2',
      profile: { title: 'Rear Admiral' },
    });
    assert.equal(updated.userName, 'ghopper');
    assert.equal(updated.displayName, 'Grace B. Hopper');
    assert.equal(updated.givenName, 'G.');
    assert.equal(updated.familyName, 'H.');
    assert.equal(updated.externalId, 'entra-2');
    assert.deepEqual(updated.profile, { title: 'Rear Admiral' });
    assert.equal(updated.version, grace.version + 1);
    assert.equal(updated.updatedAt, '2025-03-01T09:01:00.000Z');
    assert.deepEqual(await f.deps.store.getMember(grace.id), updated);
    assert.equal((await f.actions()).at(-1), 'member.updated');
  });

  test('a redundant update writes nothing and keeps the version, even with profile keys reordered', async () => {
    const before = await f.actions();
    const reordered = { emails: input.profile.emails, userName: input.profile.userName };
    const same = await updateMember(f.deps, grace.id, { ...input, profile: reordered });
    assert.equal(same.version, grace.version);
    assert.deepEqual(await f.deps.store.getMember(grace.id), grace);
    assert.deepEqual(await f.actions(), before);
  });

  test('a stale expected version is version_mismatch and changes nothing', async () => {
    await assert.rejects(updateMember(f.deps, grace.id, { ...input, displayName: 'X' }, grace.version + 5), {
      code: 'version_mismatch',
    });
    assert.equal((await f.deps.store.getMember(grace.id))!.displayName, 'Grace Hopper');
    const ok = await updateMember(f.deps, grace.id, { ...input, displayName: 'X' }, grace.version);
    assert.equal(ok.displayName, 'X');
  });

  test('a userName taken by another member is user_name_taken', async () => {
    await createMember(f.deps, memberInput({ email: 'ada@acme.test' }));
    assert.equal(
      await errorCode(() => updateMember(f.deps, grace.id, { ...input, userName: 'ADA@acme.test' })),
      'user_name_taken',
    );
  });

  test('unknown and SCIM-deleted members are member_not_found', async () => {
    assert.equal(await errorCode(() => updateMember(f.deps, 'nobody', input)), 'member_not_found');
    await deleteMember(f.deps, grace.id);
    assert.equal(await errorCode(() => updateMember(f.deps, grace.id, input)), 'member_not_found');
  });

  test('owners cannot be updated by provisioning (P16)', async () => {
    const code = await errorCode(() =>
      updateMember(f.deps, f.owner.id, memberInput({ email: 'owner@acme.test' })),
    );
    assert.equal(code, 'member_protected');
  });
});

describe('updateMember: e-mail changes (P13)', () => {
  test('a new address becomes pending and the member is asked to accept it; the accepted one stays', async () => {
    const updated = await updateMember(f.deps, grace.id, { ...input, email: 'grace@acme.example' });
    assert.equal(updated.email, 'grace@acme.test');
    assert.equal(updated.pendingEmail, 'grace@acme.example');
    const mail = (await f.mail()).at(-1)!;
    assert.equal(mail.template, 'email_change');
    assert.equal(mail.to, 'grace@acme.example');
    assert.equal(mail.data.memberId, grace.id);
  });

  test('asking again for the same pending address sends no second mail and writes nothing', async () => {
    const first = await updateMember(f.deps, grace.id, { ...input, email: 'grace@acme.example' });
    const again = await updateMember(f.deps, grace.id, { ...input, email: 'Grace@acme.example' });
    assert.equal(again.version, first.version);
    assert.equal((await f.mail()).filter((m) => m.template === 'email_change').length, 1);
  });

  test('going back to the accepted address drops the pending change', async () => {
    await updateMember(f.deps, grace.id, { ...input, email: 'grace@acme.example' });
    const back = await updateMember(f.deps, grace.id, input);
    assert.equal(back.pendingEmail, null);
  });

  test('a domain outside the allowed list is domain_not_allowed, naming the domain', async () => {
    await assert.rejects(updateMember(f.deps, grace.id, { ...input, email: 'grace@gmail.test' }), {
      code: 'domain_not_allowed',
      message: /gmail\.test/,
    });
    assert.equal((await f.deps.store.getMember(grace.id))!.pendingEmail, null);
  });

  test("another member's address is email_taken", async () => {
    await createMember(f.deps, memberInput({ email: 'ada@acme.test' }));
    assert.equal(
      await errorCode(() => updateMember(f.deps, grace.id, { ...input, email: 'ada@acme.test' })),
      'email_taken',
    );
  });
});

describe('updateMember: suspension and reactivation (P14)', () => {
  const cases: Array<{ name: string; patch: Partial<Member>; back: Member['state'] }> = [
    { name: 'never signed up', patch: {}, back: 'invited' },
    {
      name: 'signed up, not confirmed',
      patch: { signedUpAt: START_PLUS, state: 'pending' },
      back: 'pending',
    },
    {
      name: 'confirmed',
      patch: { signedUpAt: START_PLUS, confirmedAt: START_PLUS, state: 'active' },
      back: 'active',
    },
  ];
  for (const { name, patch, back } of cases) {
    test(`active:false suspends; active:true brings back "${back}" (${name})`, async () => {
      await setState(patch);
      f.advance(1000);
      const entries = (await f.actions()).length;
      const suspended = await updateMember(f.deps, grace.id, { ...input, active: false });
      assert.equal(suspended.state, 'suspended');
      assert.equal(suspended.suspendedAt, '2025-03-01T09:00:01.000Z');
      assert.deepEqual((await f.actions()).slice(entries), ['member.suspended']);
      const back2 = await updateMember(f.deps, grace.id, input);
      assert.equal(back2.state, back);
      assert.equal(back2.suspendedAt, null);
      assert.deepEqual((await f.actions()).slice(entries), ['member.suspended', 'member.reactivated']);
    });
  }

  test('a suspended member’s e-mail is not changed by provisioning (P15)', async () => {
    await updateMember(f.deps, grace.id, { ...input, active: false });
    const still = await updateMember(f.deps, grace.id, { ...input, active: false, email: 'other@acme.test' });
    assert.equal(still.email, 'grace@acme.test');
    assert.equal(still.pendingEmail, null);
    assert.equal((await f.mail()).filter((m) => m.template === 'email_change').length, 0);
  });
});

describe('updateMember: reactivated with a new address is a new member (P15)', () => {
  test('the IdP id becomes a new invited member; the previous person keeps their data at a new id', async () => {
    const confirmed = await setState({ signedUpAt: START_PLUS, confirmedAt: START_PLUS, state: 'active' });
    const managed = await createGroup(f.deps, { displayName: 'Engineering', externalId: null }, [grace.id]);
    const custom = {
      id: 'custom-1',
      displayName: 'Finance (admin-made)',
      externalId: null,
      kind: 'custom' as const,
      managed: false,
      createdAt: START_PLUS,
      updatedAt: START_PLUS,
      version: 1,
    };
    await f.deps.store.insertGroup(custom);
    await f.deps.store.addGroupMembers(custom.id, [grace.id]);
    await updateMember(f.deps, grace.id, { ...input, active: false });
    const mailBefore = (await f.mail()).length;

    const fresh = await updateMember(f.deps, grace.id, {
      ...input,
      email: 'grace.h@acme.test',
      userName: 'grace.h@acme.test',
    });

    assert.equal(fresh.id, grace.id);
    assert.equal(fresh.email, 'grace.h@acme.test');
    assert.equal(fresh.state, 'invited');
    assert.equal(fresh.signedUpAt, null);
    assert.equal(fresh.confirmedAt, null);
    assert.ok(fresh.version > confirmed.version);
    const previous = (await f.deps.store.findMemberByEmail('grace@acme.test'))!;
    assert.notEqual(previous.id, grace.id);
    assert.equal(previous.state, 'suspended');
    assert.equal(previous.managed, false);
    assert.equal(previous.externalId, null);
    assert.equal(previous.confirmedAt, START_PLUS);
    assert.equal(previous.userName, 'grace@acme.test');
    // Admin-granted access moves with the previous person; the IdP's own groups stay with its id.
    const groups = await f.deps.store.listGroupsOfMembers([grace.id, previous.id]);
    assert.deepEqual(
      groups
        .get(previous.id)
        ?.map((g) => g.id)
        .sort(),
      [custom.id, f.teamMembers.id].sort(),
    );
    assert.deepEqual(
      groups
        .get(grace.id)
        ?.map((g) => g.id)
        .sort(),
      [managed.id, f.teamMembers.id].sort(),
    );
    const mail = (await f.mail()).slice(mailBefore);
    assert.deepEqual(
      mail.map((m) => [m.template, m.to]),
      [['invitation', 'grace.h@acme.test']],
    );
    assert.deepEqual((await f.actions()).slice(-2), ['member.detached', 'member.invited']);
  });

  test('same userName: the previous person gets a userName that no longer clashes', async () => {
    await updateMember(f.deps, grace.id, { ...input, active: false });
    await updateMember(f.deps, grace.id, { ...input, email: 'grace.h@acme.test' });
    const previous = (await f.deps.store.findMemberByEmail('grace@acme.test'))!;
    assert.notEqual(previous.userName.toLowerCase(), input.userName.toLowerCase());
    assert.equal((await f.deps.store.findMemberByUserName(input.userName))!.id, grace.id);
  });

  test('reactivating with the address already pending is the same person', async () => {
    await updateMember(f.deps, grace.id, { ...input, email: 'grace.h@acme.test' });
    await updateMember(f.deps, grace.id, { ...input, email: 'grace.h@acme.test', active: false });
    const back = await updateMember(f.deps, grace.id, { ...input, email: 'grace.h@acme.test' });
    assert.equal(back.email, 'grace@acme.test');
    assert.equal(back.pendingEmail, 'grace.h@acme.test');
    assert.equal((await f.deps.store.listMembers({ startIndex: 1, count: 0 })).total, 2);
  });

  test('the new address must still be on an allowed domain', async () => {
    await updateMember(f.deps, grace.id, { ...input, active: false });
    assert.equal(
      await errorCode(() => updateMember(f.deps, grace.id, { ...input, email: 'g@else.test' })),
      'domain_not_allowed',
    );
    assert.equal((await f.deps.store.getMember(grace.id))!.email, 'grace@acme.test');
  });
});
