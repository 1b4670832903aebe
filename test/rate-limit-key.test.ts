// The rate-limit key: the client address, IPv4 as it is, IPv6 masked to the configured prefix.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Exchange } from '../lib/exchange.ts';
import { addressKey, createRateLimitKey } from '../lib/rate-limit-key.ts';

describe('addressKey', () => {
  test('IPv4 is kept as is', () => {
    assert.equal(addressKey('203.0.113.9', 56), '203.0.113.9');
  });

  test('IPv6 is masked to the prefix', () => {
    assert.equal(addressKey('2001:db8:0:ab12::1', 56), '2001:db8:0:ab00::/56');
    assert.equal(addressKey('2001:db8:0:abff:1:2:3:4', 56), addressKey('2001:db8:0:ab00::9', 56));
    assert.notEqual(addressKey('2001:db8:0:ac00::1', 56), addressKey('2001:db8:0:ab00::1', 56));
    assert.equal(addressKey('2001:db8:1:2:3::', 64), '2001:db8:1:2::/64');
    assert.equal(addressKey('2001:db8:ffff:ffff::', 32), '2001:db8::/32');
    assert.equal(addressKey('::1', 64), '0:0:0:0::/64');
    assert.equal(addressKey('64:ff9b::192.0.2.33', 64), '64:ff9b:0:0::/64');
    assert.equal(addressKey('fe80::1%eth0', 64), 'fe80:0:0:0::/64');
  });
});

describe('createRateLimitKey', () => {
  test("keys a request by its client address (the client-IP stage's result), masked to the configured prefix", () => {
    const keyOf = createRateLimitKey(56);
    assert.equal(keyOf({ client: '2001:db8:0:ab12::1' } as Exchange), '2001:db8:0:ab00::/56');
    assert.equal(keyOf({ client: '203.0.113.9' } as Exchange), '203.0.113.9');
    assert.equal(createRateLimitKey(64)({ client: '2001:db8:0:ab12::1' } as Exchange), '2001:db8:0:ab12::/64');
  });
});
