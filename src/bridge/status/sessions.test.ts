import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readCookie, StatusSessions } from './sessions.ts';

test('status sessions: random ids, valid until they expire or end', () => {
  let now = 0;
  const sessions = new StatusSessions({ now: () => new Date(now) }, 60_000);
  const a = sessions.create('key-1');
  const b = sessions.create('key-1');
  assert.notEqual(a.id, b.id);
  assert.match(a.id, /^sbs_[A-Za-z0-9_-]{43}$/);
  assert.equal(a.maxAgeSeconds, 60);
  assert.equal(sessions.valid(a.id), true);
  assert.equal(sessions.valid(`${a.id}x`), false);
  assert.equal(sessions.valid(undefined), false);
  sessions.end(a.id);
  assert.equal(sessions.valid(a.id), false);
  now += 59_999;
  assert.equal(sessions.valid(b.id), true);
  now += 1;
  assert.equal(sessions.valid(b.id), false);
});

test('cookies are read by name from a Cookie header', () => {
  assert.equal(readCookie('a=1; scimbridge_status=sbs_x; b=2', 'scimbridge_status'), 'sbs_x');
  assert.equal(readCookie('xscimbridge_status=1', 'scimbridge_status'), undefined);
  assert.equal(readCookie(undefined, 'a'), undefined);
  assert.equal(readCookie('a', 'a'), undefined);
});

test('status sessions: ending a key id ends every session opened with it, and only those', () => {
  const sessions = new StatusSessions({ now: () => new Date(0) });
  const old1 = sessions.create('old');
  const old2 = sessions.create('old');
  const fresh = sessions.create('new');
  assert.equal(sessions.keyIdOf(old1.id), 'old');
  sessions.endKey('old');
  assert.equal(sessions.valid(old1.id), false);
  assert.equal(sessions.valid(old2.id), false);
  assert.equal(sessions.keyIdOf(fresh.id), 'new');
});
