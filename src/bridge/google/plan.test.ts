import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MemberView } from '../../account/client.ts';
import type { Group } from '../../account/model.ts';
import type { GoogleUser } from './directory.ts';
import { countsOf, planSync } from './plan.ts';

const user = (id: string, email: string, extra: Partial<GoogleUser> = {}): GoogleUser => ({
  id,
  primaryEmail: email,
  givenName: 'Ada',
  familyName: id,
  fullName: `Ada ${id}`,
  suspended: false,
  ...extra,
});

const member = (id: string, email: string, extra: Partial<MemberView> = {}): MemberView => ({
  id,
  userName: email,
  email,
  externalId: null,
  displayName: null,
  givenName: null,
  familyName: null,
  state: 'active',
  profile: {},
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
  version: 1,
  ...extra,
});

const group = (id: string, name: string, externalId: string | null): Group => ({
  id,
  displayName: name,
  externalId,
  kind: 'custom',
  managed: true,
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
  version: 1,
});

test('every kind of change, with the reason for each suspension, and owners left alone', () => {
  const users = [
    user('111111', 'new@acme.test'),
    user('222222', 'known@acme.test'),
    user('333333', 'moved.to@acme.test'),
    user('444444', 'paused@acme.test', { suspended: true }),
    user('555555', 'back@acme.test'),
    user('666666', 'renamed@acme.test', { fullName: 'New Name' }),
    user('777777', 'outside@acme.test'),
  ];
  const plan = planSync(
    {
      users: new Map(users.map((u) => [u.id, u])),
      groups: [
        {
          group: { id: 'g1', email: 'staff@acme.test', name: 'Staff' },
          memberIds: ['111111', '222222', '333333', '444444', '555555', '666666', 'gone-group-member'],
        },
      ],
    },
    {
      members: [
        member('m-known', 'KNOWN@acme.test'),
        member('m-moved', 'moved.from@acme.test', {
          externalId: '333333',
          displayName: 'Ada 333333',
          givenName: 'Ada',
          familyName: '333333',
        }),
        member('m-paused', 'paused@acme.test', { externalId: '444444' }),
        member('m-back', 'back@acme.test', {
          externalId: '555555',
          state: 'suspended',
          displayName: 'Ada 555555',
          givenName: 'Ada',
          familyName: '555555',
        }),
        member('m-renamed', 'renamed@acme.test', {
          externalId: '666666',
          displayName: 'Old',
          givenName: 'Ada',
          familyName: '666666',
        }),
        member('m-outside', 'outside@acme.test', { externalId: '777777' }),
        member('m-deleted', 'deleted@acme.test', { externalId: '999999' }),
        member('m-owner', 'owner@acme.test'),
      ],
      groups: [{ group: group('grp', 'staff', null), memberIds: ['m-known', 'm-outside'] }],
      protectedIds: new Set(['m-owner']),
    },
  );
  assert.deepEqual(countsOf(plan), {
    invite: 1,
    match: 1,
    update: 1,
    emailChange: 1,
    suspend: 3,
    reactivate: 1,
    groupsCreate: 0,
    groupsChange: 1,
    activeMembers: 6,
  });
  assert.deepEqual(
    plan.suspend.map((p) => [p.email, p.reason]),
    [
      ['paused@acme.test', 'suspended in Google'],
      ['outside@acme.test', 'not in a synced group'],
      ['deleted@acme.test', 'deleted in Google'],
    ],
  );
  // Matched by name (case-insensitively) and taken over: renamed to Google's name, one member out, five in (a member suspended in Google stays in it, suspended).
  const change = plan.groupsChange[0];
  assert.deepEqual(
    { renamed: change?.renamed, added: change?.added, removed: change?.removed },
    { renamed: true, added: 5, removed: 1 },
  );
  assert.equal(plan.reactivate[0]?.memberId, 'm-back');
});

test('a Google user who is suspended and unknown to the account is not invited', () => {
  const paused = user('1', 'p@acme.test', { suspended: true });
  const plan = planSync(
    {
      users: new Map([[paused.id, paused]]),
      groups: [{ group: { id: 'g', email: 'g@acme.test', name: 'G' }, memberIds: ['1'] }],
    },
    { members: [], groups: [], protectedIds: new Set() },
  );
  assert.equal(plan.invite.length, 0);
  assert.deepEqual(plan.groupsCreate[0]?.googleMemberIds, ['1']);
});
