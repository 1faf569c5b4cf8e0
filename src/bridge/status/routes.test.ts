/**
 * The status page's forms against cross-site requests: every POST form of a signed-in page
 * carries its session's token, and one without it (or with another's) is refused before
 * anything is done. The Google sync here is a recorder, so "nothing was done" is exact.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { MetricsRegistry } from '../../metrics.ts';
import { createInProcessFailureLimiter } from '../failed-token-limit.ts';
import type { GoogleSyncStatus } from '../google/sync.ts';
import type { HealthReport, PartReport } from './health.ts';
import { type GoogleSyncControl, registerStatusRoutes } from './routes.ts';
import { inProcessPageSessions, STATUS_COOKIE, StatusSessions } from './sessions.ts';

const TOKEN = 'the-bearer-token';
const AT = '2026-01-01T00:00:00.000Z';
const clock = { now: () => new Date(AT) };
const part: PartReport = { status: 'ok', label: 'OK', detail: 'fine', checkedAt: AT };
const report: HealthReport = {
  status: 'ok',
  checkedAt: AT,
  version: 'test',
  parts: {
    account: part,
    provisioning: part,
    credentials: { ...part, source: 'file', keyId: 'key-1', unlocked: true },
    watcher: { ...part, watcher: null },
    requests: { ...part, idps: [], shared: false },
    replicas: part,
    version: part,
  },
};

/** A Google sync that records what the forms asked of it, with a preview so every form shows. */
function recordingGoogle(calls: string[]): GoogleSyncControl {
  const kinds = [
    'invite',
    'match',
    'update',
    'emailChange',
    'reactivate',
    'suspend',
    'groupsCreate',
    'groupsChange',
  ];
  const counts = { ...Object.fromEntries(kinds.map((kind) => [kind, 0])), activeMembers: 0 };
  const plan = { ...Object.fromEntries(kinds.map((kind) => [kind, []])), activeMembers: 0 };
  const status = {
    state: 'on',
    settings: {
      admin: 'it@acme.test',
      groups: ['staff@acme.test'],
      enabled: true,
      approvedGroups: ['staff@acme.test'],
      approvedAt: AT,
      approvedSuspensions: 0,
    },
    keySource: 'file /k.json',
    intervalMinutes: 5,
    suspendLimitPercent: 10,
    running: undefined,
    lastRun: undefined,
    guardStopped: false,
    lastPreview: { plan, counts, groups: ['staff@acme.test'], at: AT },
    runsTotal: { applied: 0, stopped_by_guard: 0, failed: 0, skipped: 0 },
    changesTotal: Object.fromEntries(kinds.map((kind) => [kind, 0])),
  } as unknown as GoogleSyncStatus;
  const record = (name: string) => {
    calls.push(name);
  };
  return {
    status: async () => status,
    configure: async () => {
      record('configure');
      return status.settings;
    },
    preview: async () => {
      record('preview');
      return status.lastPreview!;
    },
    approve: async () => {
      record('approve');
      return status.lastPreview!;
    },
    runNow: async () => {
      record('runNow');
      return { trigger: 'manual' as const, startedAt: AT, finishedAt: AT, outcome: 'applied' as const };
    },
    turnOff: async () => {
      record('turnOff');
    },
  };
}

describe('status page forms carry the session token', () => {
  const calls: string[] = [];
  const sessions = new StatusSessions(clock);
  let app: FastifyInstance;
  let cookie = '';
  let pageToken = '';

  before(async () => {
    app = Fastify();
    await registerStatusRoutes(app, {
      verifier: {
        verify: async () => ({ ok: false, reason: 'wrong_token' }),
        verifyToken: async (token) =>
          token === TOKEN ? { ok: true, keyId: 'key-1' } : { ok: false, reason: 'wrong_token' },
      },
      health: { report: async () => report },
      currentKey: { check: async () => ({ ok: true, checked: true }) },
      sessions: inProcessPageSessions(sessions),
      limiter: createInProcessFailureLimiter({ clock }),
      metrics: new MetricsRegistry(),
      version: 'test',
      clock,
      google: recordingGoogle(calls),
    });
    const signIn = await app.inject({
      method: 'POST',
      url: '/signin',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ token: TOKEN }).toString(),
    });
    assert.equal(signIn.statusCode, 303);
    cookie = String(signIn.headers['set-cookie']).split(';')[0]!;
    const page = await app.inject({ method: 'GET', url: '/', headers: { cookie } });
    const tokens = [...page.body.matchAll(/<input type="hidden" name="csrf" value="([^"]+)">/g)].map(
      (match) => match[1],
    );
    // Sign-out and the five Google forms.
    assert.equal(tokens.length, 6, page.body);
    assert.equal(new Set(tokens).size, 1, 'one token for the session');
    pageToken = tokens[0]!;
    assert.ok(
      !page.body.includes(cookie.slice(STATUS_COOKIE.length + 1)),
      'the page never shows the session id',
    );
  });
  after(async () => {
    await app.close();
  });

  const post = (url: string, fields: Record<string, string>) =>
    app.inject({
      method: 'POST',
      url,
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams(fields).toString(),
    });

  const forms: Array<[string, Record<string, string>, string]> = [
    ['/google/settings', { admin: 'other@acme.test', groups: 'evil@acme.test' }, 'configure'],
    ['/google/preview', {}, 'preview'],
    ['/google/approve', { confirm: '0' }, 'approve'],
    ['/google/run', {}, 'runNow'],
    ['/google/off', {}, 'turnOff'],
  ];
  for (const [url, fields, action] of forms) {
    test(`${url}: without the token or with a wrong one, 403 and nothing is done; with it, done`, async () => {
      calls.length = 0;
      for (const csrf of [undefined, 'x'.repeat(pageToken.length), `${pageToken}x`, '']) {
        const response = await post(url, csrf === undefined ? fields : { ...fields, csrf });
        assert.equal(response.statusCode, 403, `csrf ${csrf}`);
        assert.match(response.body, /nothing was changed/);
      }
      assert.deepEqual(calls, [], 'the sync was not asked anything');
      const accepted = await post(url, { ...fields, csrf: pageToken });
      assert.equal(accepted.statusCode, 303);
      assert.equal(accepted.headers.location, '/#google');
      assert.equal(calls[0], action);
    });
  }

  test('a form from another origin is refused even with the token', async () => {
    calls.length = 0;
    const response = await app.inject({
      method: 'POST',
      url: '/google/off',
      headers: {
        cookie,
        origin: 'https://evil.example',
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: new URLSearchParams({ csrf: pageToken }).toString(),
    });
    assert.equal(response.statusCode, 403);
    assert.deepEqual(calls, []);
  });

  test('/signout: without the token the session stays; with it the session ends', async () => {
    const refused = await post('/signout', {});
    assert.equal(refused.statusCode, 403);
    assert.equal(sessions.valid(cookie.slice(STATUS_COOKIE.length + 1)), true, 'still signed in');
    const wrong = await post('/signout', { csrf: 'y'.repeat(pageToken.length) });
    assert.equal(wrong.statusCode, 403);
    const done = await post('/signout', { csrf: pageToken });
    assert.equal(done.statusCode, 303);
    assert.equal(sessions.valid(cookie.slice(STATUS_COOKIE.length + 1)), false, 'signed out');
  });
});
