// Address parsing, CIDR lists, the X-Forwarded-For walk and Host validation, as pure functions.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { forwardedClient, rememberingTrustCheck } from '../lib/client-ip.ts';
import { isValidHost } from '../lib/host.ts';
import { isIP } from 'node:net';
import { inList, Ipv4Ranges, isDottedQuad, normalizeAddress, parseCidrList, parseForwardedAddress } from '../lib/ip.ts';

describe('normalizeAddress', () => {
  test('unwraps IPv4-mapped IPv6 and leaves everything else alone', () => {
    assert.equal(normalizeAddress('::ffff:10.1.2.3'), '10.1.2.3');
    assert.equal(normalizeAddress('::FFFF:10.1.2.3'), '10.1.2.3');
    assert.equal(normalizeAddress('10.1.2.3'), '10.1.2.3');
    assert.equal(normalizeAddress('2001:db8::1'), '2001:db8::1');
    assert.equal(normalizeAddress('::ffff:zzz'), '::ffff:zzz');
  });
});

describe('isDottedQuad', () => {
  test('agrees with net.isIP(text) === 4 on edge cases and on 20 000 random strings', () => {
    const cases = ['0.0.0.0', '255.255.255.255', '256.1.1.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.04', '1.2.3.00', '10.0.0.1',
      '1..2.3', '.1.2.3', '1.2.3.', '1.2.3.4 ', ' 1.2.3.4', '1.2.3.4:80', '1,2.3.4', '١.2.3.4', '1.2.3.4\u0000', '', '.', '...', '199.249.230.1', '249.99.9.0'];
    // A fixed-seed generator over the characters that matter, so a failure can be reproduced.
    let seed = 7;
    const random = (bound: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      // The high bits: an LCG's low bits repeat with short periods.
      return Math.floor(seed / 65_536) % bound;
    };
    // Mostly four groups of one to three digits, sometimes three or five groups, empty or four-digit ones, and in one
    // string of four a character replaced by a stray one.
    for (let count = 0; count < 20_000; count++) {
      const groups: string[] = [];
      const groupCount = random(4) === 0 ? 3 + 2 * random(2) : 4;
      for (let group = 0; group < groupCount; group++) {
        let digits = '';
        const length = random(8) === 0 ? 4 * random(2) : 1 + random(3);
        for (let index = 0; index < length; index++) digits += String(random(10) < 3 ? random(3) : random(10));
        groups.push(digits);
      }
      let text = groups.join('.');
      if (random(4) === 0 && text.length > 0) {
        const at = random(text.length);
        text = text.slice(0, at) + ' :,a0.'.charAt(random(6)) + text.slice(at + 1);
      }
      cases.push(text);
    }
    const valid = cases.filter((text) => isIP(text) === 4).length;
    assert.ok(valid > 1000, `the generated strings hold ${valid} valid addresses; expected many`);
    for (const text of cases) assert.equal(isDottedQuad(text), isIP(text) === 4, JSON.stringify(text));
  });
});

describe('Ipv4Ranges', () => {
  test('answers what BlockList answers, for 300 random lists of IPv4 ranges and 200 addresses each', () => {
    let seed = 23;
    const random = (bound: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return Math.floor(seed / 65_536) % bound;
    };
    const quad = (value: number): string => [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
    // Octet by octet: the generator's draws are below 32 768.
    const randomValue = (): number => ((random(256) * 256 + random(256)) * 256 + random(256)) * 256 + random(256);
    let inside = 0;
    for (let list = 0; list < 300; list++) {
      const networks = Array.from({ length: 1 + random(4) }, () => ({ value: randomValue(), prefix: random(33) }));
      const { list: blockList, cidrs } = parseCidrList(networks.map(({ value, prefix }) => `${quad(value)}/${prefix}`).join(','));
      const ranges = Ipv4Ranges.of(cidrs);
      assert.ok(ranges !== undefined);
      const check = rememberingTrustCheck(blockList, ranges);
      for (let count = 0; count < 200; count++) {
        // Half the addresses near one of the networks (its high bits kept, some low bits changed), half anywhere.
        const near = networks[random(networks.length)] as { value: number; prefix: number };
        const nearby = near.value - (near.value % 65_536) + (random(2) === 0 ? (near.value % 65_536) - (near.value % 256) + random(256) : random(256) * 256 + random(256));
        const address = quad(count % 2 === 0 ? randomValue() : nearby);
        const expected = inList(blockList, address);
        if (expected) inside++;
        assert.equal(check(address), expected, `${address} in ${cidrs.join(',')}`);
        assert.equal(ranges.includes(address), expected, `${address} in ${cidrs.join(',')}`);
      }
    }
    assert.ok(inside > 5000, `only ${inside} addresses fell inside a range; the test needs both answers`);
  });

  test('a list with an IPv6 range keeps BlockList for every address', () => {
    assert.equal(Ipv4Ranges.of(parseCidrList('10.0.0.0/16,2001:db8::/32').cidrs), undefined);
    const { list, cidrs } = parseCidrList('10.0.0.0/16,0.0.0.0/0');
    assert.ok(Ipv4Ranges.of(cidrs)?.includes('255.255.255.255'));
    assert.ok(rememberingTrustCheck(list, Ipv4Ranges.of(cidrs))('::1') === inList(list, '::1'));
  });
});

describe('parseForwardedAddress', () => {
  for (const [entry, expected] of [
    [' 203.0.113.9 ', '203.0.113.9'],
    ['203.0.113.9:51234', '203.0.113.9'],
    ['[2001:db8::1]:443', '2001:db8::1'],
    ['[2001:db8::1]', '2001:db8::1'],
    ['2001:db8::1', '2001:db8::1'],
    ['::ffff:198.51.100.7', '198.51.100.7'],
    ['unknown', undefined],
    ['', undefined],
    ['1.2.3.4:port', undefined],
    ['[2001:db8::1]x', undefined],
    ['999.1.1.1', undefined],
    ['1.2.3.4/24', undefined],
  ] as const) {
    test(`${JSON.stringify(entry)} → ${String(expected)}`, () => {
      assert.equal(parseForwardedAddress(entry), expected);
    });
  }
});

describe('parseCidrList', () => {
  test('accepts IPv4 and IPv6 CIDRs and bare addresses', () => {
    const { list, cidrs, problems } = parseCidrList('10.0.0.0/16, 2001:db8::/32,192.0.2.1');
    assert.deepEqual(problems, []);
    assert.deepEqual(cidrs, ['10.0.0.0/16', '2001:db8::/32', '192.0.2.1/32']);
    assert.ok(inList(list, '10.0.255.1'));
    assert.ok(!inList(list, '10.1.0.1'));
    assert.ok(inList(list, '2001:db8:ffff::1'));
    assert.ok(inList(list, '192.0.2.1'));
    assert.ok(!inList(list, '192.0.2.2'));
  });

  test('reports every bad entry', () => {
    assert.deepEqual(parseCidrList('10.0.0.0/33,abc,2001:db8::/129,10.0.0.0/x').problems, ['10.0.0.0/33', 'abc', '2001:db8::/129', '10.0.0.0/x']);
  });
});

describe('forwardedClient', () => {
  const trusted = rememberingTrustCheck(parseCidrList('10.0.0.0/16').list);
  const peer = '10.0.1.5';

  test('the ALB appends the client: the rightmost untrusted entry is the client', () => {
    assert.equal(forwardedClient('203.0.113.9', peer, trusted), '203.0.113.9');
  });

  test('a forged leftmost entry is never taken', () => {
    assert.equal(forwardedClient('1.2.3.4, 203.0.113.9', peer, trusted), '203.0.113.9');
  });

  test('trusted hops on the right are skipped', () => {
    assert.equal(forwardedClient('1.2.3.4, 203.0.113.9, 10.0.2.2, 10.0.3.3', peer, trusted), '203.0.113.9');
  });

  test('an invalid entry ends the walk: the nearest valid address to its right wins', () => {
    assert.equal(forwardedClient('1.2.3.4, garbage, 10.0.2.2', peer, trusted), '10.0.2.2');
    assert.equal(forwardedClient('1.2.3.4, garbage', peer, trusted), peer);
    assert.equal(forwardedClient('', peer, trusted), peer);
    assert.equal(forwardedClient('203.0.113.9,', peer, trusted), peer);
  });

  test('ports are stripped and IPv6 works', () => {
    assert.equal(forwardedClient('1.2.3.4, 203.0.113.9:5555', peer, trusted), '203.0.113.9');
    assert.equal(forwardedClient('[2001:db8::7]:5555', peer, trusted), '2001:db8::7');
  });

  test('all entries trusted: the leftmost trusted one is the client', () => {
    assert.equal(forwardedClient('10.0.9.9, 10.0.2.2', peer, trusted), '10.0.9.9');
  });

  test('one address is the client, trusted or not, with or without spaces', () => {
    assert.equal(forwardedClient('10.0.2.2', peer, trusted), '10.0.2.2');
    assert.equal(forwardedClient(' 10.0.2.2', peer, trusted), '10.0.2.2');
    assert.equal(forwardedClient('203.0.113.9', peer, trusted), '203.0.113.9');
    assert.equal(forwardedClient('203.0.113.09', peer, trusted), peer);
  });
});

describe('isValidHost', () => {
  for (const host of ['example.com', 'api.example.com:8443', 'localhost', '10.0.0.1:80', '[::1]:8080', '[2001:db8::1]', 'a-b.c']) {
    test(`accepts ${host}`, () => assert.ok(isValidHost(host)));
  }
  for (const host of ['', 'evil.com/path', 'user@evil.com', 'exa mple.com', 'host:0', 'host:99999', 'host:', '[::1', '[nope]', '-bad.com', 'a\r\nb', 'evil.com?x', 'evil.com#x', '\\evil.com']) {
    test(`refuses ${JSON.stringify(host)}`, () => assert.ok(!isValidHost(host)));
  }
});
