import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FirewallRule } from '../model.ts';
import { CidrError, cidrContains, formatCidr, formatIpAddress, parseCidr, parseIpAddress } from './cidr.ts';
import { compileFirewall } from './evaluate.ts';
import { NetworkListError, parseNetworkList } from './network-list.ts';

const ip = (text: string) => {
  const address = parseIpAddress(text);
  assert.ok(address, text);
  return address;
};

describe('addresses and ranges', () => {
  test('IPv4 and IPv6 parse, and IPv4-mapped IPv6 counts as IPv4', () => {
    assert.equal(formatIpAddress(ip('192.0.2.1')), '192.0.2.1');
    assert.equal(formatIpAddress(ip('::ffff:192.0.2.1')), '192.0.2.1');
    assert.equal(formatIpAddress(ip('2001:DB8:0:0:0:0:0:1')), '2001:db8::1');
    assert.equal(formatIpAddress(ip('::1')), '::1');
    assert.equal(formatIpAddress(ip('::')), '::');
    assert.equal(formatIpAddress(ip('2001:db8:0:1:0:0:0:1')), '2001:db8:0:1::1');
    for (const bad of [
      '',
      '1.2.3',
      '1.2.3.256',
      '01.2.3.4',
      '1.2.3.4.5',
      '1::2::3',
      '12345::',
      'fe80::1%eth0',
      'gggg::',
      'x',
    ]) {
      assert.equal(parseIpAddress(bad), undefined, bad);
    }
  });

  test('ranges are canonical, refuse host bits, and match by prefix', () => {
    assert.equal(formatCidr(parseCidr('2001:DB8:0::/32')), '2001:db8::/32');
    assert.equal(formatCidr(parseCidr('198.51.100.7')), '198.51.100.7/32');
    assert.throws(() => parseCidr('203.0.113.7/24'), /host bits set; the range starts at 203\.0\.113\.0\/24/);
    for (const bad of [
      '203.0.113.0/33',
      '2001:db8::/129',
      '203.0.113.0/-1',
      '203.0.113.0/',
      'nonsense/8',
      '::ffff:1.2.3.0/120',
    ]) {
      assert.throws(() => parseCidr(bad), CidrError, bad);
    }
    const block = parseCidr('203.0.113.0/24');
    assert.ok(cidrContains(block, ip('203.0.113.255')));
    assert.ok(!cidrContains(block, ip('203.0.114.0')));
    assert.ok(!cidrContains(parseCidr('2001:db8::/32'), ip('203.0.113.1')));
    assert.ok(cidrContains(parseCidr('0.0.0.0/0'), ip('8.8.8.8')));
    assert.ok(cidrContains(parseCidr('2001:db8::/32'), ip('2001:db8:ffff::1')));
  });
});

const rule = (id: string, action: 'allow' | 'deny', cidr: string | null): FirewallRule => ({
  id,
  action,
  kind: cidr === null ? 'listed_networks' : 'range',
  cidr,
  note: null,
  createdAt: '2030-01-01T00:00:00.000Z',
});

describe('firewall decisions', () => {
  const list = parseNetworkList(
    '# sample\n198.51.100.0/24 cloud Example Cloud\n2001:db8:1::/48 anonymiser relay\n\n',
    'networks.txt',
  );

  test('no rules: everyone is allowed, listed networks too', () => {
    assert.deepEqual(compileFirewall([], list).decide(ip('198.51.100.1')), { allowed: true });
  });

  test('the most specific range decides, and a deny names its rule', () => {
    const firewall = compileFirewall(
      [rule('d1', 'deny', '203.0.113.0/24'), rule('a1', 'allow', '203.0.113.8/29')],
      list,
    );
    assert.equal(firewall.decide(ip('203.0.113.9')).allowed, true);
    const blocked = firewall.decide(ip('203.0.113.1'));
    assert.equal(blocked.allowed, false);
    assert.ok(!blocked.allowed && blocked.ruleId === 'd1' && blocked.reason.includes('deny 203.0.113.0/24'));
  });

  test('allow rules make an allow-list', () => {
    const firewall = compileFirewall([rule('a1', 'allow', '192.0.2.0/24')], list);
    assert.equal(firewall.decide(ip('192.0.2.5')).allowed, true);
    const other = firewall.decide(ip('10.0.0.1'));
    assert.ok(!other.allowed && other.reason.includes('no allowed range'));
  });

  test('the listed-networks rule blocks listed addresses, unless an allow range covers them', () => {
    const firewall = compileFirewall([rule('l1', 'deny', null)], list);
    const cloud = firewall.decide(ip('198.51.100.20'));
    assert.ok(!cloud.allowed && cloud.ruleId === 'l1' && cloud.reason.includes('cloud (Example Cloud)'));
    assert.equal(firewall.decide(ip('2001:db8:1::5')).allowed, false);
    assert.equal(firewall.decide(ip('192.0.2.1')).allowed, true);
    const withAllow = compileFirewall(
      [
        rule('l1', 'deny', null),
        rule('a1', 'allow', '198.51.100.20/32'),
        rule('a2', 'allow', '192.0.2.0/24'),
      ],
      list,
    );
    assert.equal(withAllow.decide(ip('198.51.100.20')).allowed, true);
  });

  test('a malformed network list is refused with its line number', () => {
    assert.throws(
      () => parseNetworkList('198.51.100.0/24 cloud\nbad line here\n', 'n.txt'),
      (error: unknown) => error instanceof NetworkListError && /n\.txt line 2/.test(error.message),
    );
    assert.throws(() => parseNetworkList('198.51.100.0/24\n', 'n.txt'), NetworkListError);
    assert.throws(() => parseNetworkList('198.51.100.0/24 Cloud\n', 'n.txt'), NetworkListError);
  });
});
