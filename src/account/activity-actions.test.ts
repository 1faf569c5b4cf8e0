import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  ACTIVITY_ACTION_NAMES,
  ACTIVITY_ACTIONS,
  activityLabel,
  isActivityAction,
} from './activity-actions.ts';

const SRC = join(import.meta.dirname, '..');
/** The source files of the server, tests and the list itself left out. */
const sources = readdirSync(SRC, { recursive: true, encoding: 'utf8' })
  .filter(
    (file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && !file.endsWith('activity-actions.ts'),
  )
  .map((file) => readFileSync(join(SRC, file), 'utf8'));
const RECORDS = /\b(recordActivity|recordAdminActivity|recordSystemActivity|appendActivity)\(/;
const ACTION_SHAPE =
  /'((?:account|member|group|group_keys|vault|integration|firewall|monitoring|monitoring_token|mail)\.[a-z_]+)'/g;

test('every action named where activity is recorded has a label', () => {
  const named = new Set(
    sources
      .filter((text) => RECORDS.test(text))
      .flatMap((text) => [...text.matchAll(ACTION_SHAPE)].map((m) => m[1]!)),
  );
  assert.ok(named.size > 30, `found only ${named.size} actions: the scan no longer sees the recording code`);
  const unlabelled = [...named].filter((action) => !isActivityAction(action));
  assert.deepEqual(unlabelled, []);
});

test('every listed action is recorded somewhere (the list holds no stale names)', () => {
  const everything = sources.join('\n');
  const stale = ACTIVITY_ACTION_NAMES.filter((action) => !everything.includes(`'${action}'`));
  assert.deepEqual(stale, []);
});

test('labels are unique and read as sentences', () => {
  const labels = Object.values(ACTIVITY_ACTIONS);
  assert.equal(new Set(labels).size, labels.length);
  for (const label of labels) assert.match(label, /^[A-Z][^.]{2,60}$/);
});

test('a name this version does not record is shown as stored; a listed one by its label', () => {
  assert.equal(activityLabel('member.suspended'), 'Suspended a person');
  assert.equal(activityLabel('member.beamed_up'), 'member.beamed_up');
  assert.equal(isActivityAction('toString'), false);
});
