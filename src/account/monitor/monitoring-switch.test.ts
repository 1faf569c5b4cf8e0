/** The monitor's on/off switch: stored, recorded once per change, at the injected clock's time. */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { type Fixture, openFixture } from '../../../test/support/account-fixture.ts';
import { getMonitoringSwitch, setMonitoringSwitch } from './monitoring-switch.ts';

describe('monitoring switch', () => {
  let fx: Fixture;
  beforeEach(async () => {
    fx = await openFixture();
  });
  afterEach(async () => {
    await fx.close();
  });

  test('on until switched; each switch is stored with its time and recorded in the activity', async () => {
    assert.deepEqual(await getMonitoringSwitch(fx.deps), { enabled: true, changedAt: null });
    const offAt = fx.deps.clock.now().toISOString();
    assert.deepEqual(await setMonitoringSwitch(fx.deps, false), { enabled: false, changedAt: offAt });
    fx.advance(60_000);
    const onAt = fx.deps.clock.now().toISOString();
    await setMonitoringSwitch(fx.deps, true);
    assert.deepEqual(await getMonitoringSwitch(fx.deps), { enabled: true, changedAt: onAt });
    const actions = (await fx.actions()).filter((action) => action.startsWith('monitoring.switched'));
    assert.deepEqual(actions, ['monitoring.switched_off', 'monitoring.switched_on']);
  });

  test('switching to the state it is in changes nothing and records nothing', async () => {
    await setMonitoringSwitch(fx.deps, false);
    const first = await getMonitoringSwitch(fx.deps);
    fx.advance(60_000);
    assert.deepEqual(await setMonitoringSwitch(fx.deps, false), first);
    assert.deepEqual(await getMonitoringSwitch(fx.deps), first);
    const actions = (await fx.actions()).filter((action) => action.startsWith('monitoring.switched'));
    assert.deepEqual(actions, ['monitoring.switched_off']);
  });
});
