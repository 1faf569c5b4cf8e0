import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AccountClient } from '../../account/client.ts';
import { ListedMember } from '../../account/list-members.ts';
import { type MethodContext, ROUTES } from './methods.ts';
import { RecentAnswers } from './recent-answers.ts';
import { realTime } from './time.ts';

const head = {
  id: 'm-1',
  userName: 'ann@example.com',
  email: 'ann@example.com',
  externalId: null,
  displayName: 'Ann',
  givenName: null,
  familyName: null,
  state: 'active' as const,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-02T00:00:00.000Z',
  version: 2,
};

function context(): MethodContext {
  const time = { ...realTime, monotonicNow: () => 0 };
  return {
    recentGroups: new RecentAnswers(10, time),
    recentMissingShares: new RecentAnswers(10, time),
    confirmed: () => false,
    client: {} as AccountClient,
  };
}

test('a page with profiles as text gives members whose profile is read from that text when asked', async () => {
  const answer = ROUTES.listMembers.answer!;
  const page = await answer(
    { total: 1, items: [{ ...head, profileJson: '{"title":"Boss","emails":[]}' }] } as never,
    context(),
    { startIndex: 1, count: 1 },
  );
  const [member] = page.items;
  assert.ok(member instanceof ListedMember);
  assert.equal(member.profileJson, '{"title":"Boss","emails":[]}');
  assert.deepEqual(member.profile, { title: 'Boss', emails: [] });
  assert.equal(member.userName, 'ann@example.com');
});

test('a page from an account that sends profiles as objects is taken as it is', async () => {
  const answer = ROUTES.listMembers.answer!;
  const ctx = context();
  const groups = [{ id: 'g-1', displayName: 'G', managed: true }];
  const page = await answer(
    { total: 3, items: [{ ...head, profile: { title: 'Boss' } }], groups: { 'm-1': groups } } as never,
    ctx,
    { startIndex: 1, count: 1 },
  );
  assert.deepEqual(page, { total: 3, items: [{ ...head, profile: { title: 'Boss' } }] });
  assert.deepEqual(ctx.recentGroups.take(['m-1']), [groups]);
});
