import { describe, expect, it } from 'vitest';
import { ipBucket, subjectKey } from '../../../src/abuse/subjects.ts';

describe('IP buckets', () => {
  it.each([
    ['192.0.2.1', 'v4:192.0.2.1'],
    [' 192.0.2.1 ', 'v4:192.0.2.1'],
    ['::ffff:192.0.2.1', 'v4:192.0.2.1'],
    ['::FFFF:c000:0201', 'v4:192.0.2.1'],
    ['0:0:0:0:0:ffff:192.0.2.1', 'v4:192.0.2.1'],
    ['2001:db8:1:2:3:4:5:6', 'v6:2001:db8:1:2::/64'],
    ['2001:0DB8:0001:0002:ffff:ffff:ffff:ffff', 'v6:2001:db8:1:2::/64'],
    ['2001:db8:1:2::', 'v6:2001:db8:1:2::/64'],
    ['2001:db8::1', 'v6:2001:db8:0:0::/64'],
    ['::1', 'v6:0:0:0:0::/64'],
    ['fe80::1%eth0', 'v6:fe80:0:0:0::/64'],
    ['64:ff9b::192.0.2.1', 'v6:64:ff9b:0:0::/64'],
    ['', 'unknown'],
    ['not-an-ip', 'unknown'],
    ['999.1.1.1', 'unknown'],
    ['2001:db8:::1', 'unknown'],
  ])('%j -> %s', (address, bucket) => {
    expect(ipBucket(address)).toBe(bucket);
  });

  it('puts every address of one /64 in one bucket and neighbouring /64s in others', () => {
    const mine = ['2001:db8:aa:bb::1', '2001:db8:aa:bb:dead:beef:0:1', '2001:db8:aa:bb:ffff:ffff:ffff:ffff'].map(ipBucket);
    expect(new Set(mine).size).toBe(1);
    expect(ipBucket('2001:db8:aa:bc::1')).not.toBe(mine[0]);
  });
});

describe('subject keys', () => {
  it('are the same for spellings of one email and differ between emails', () => {
    expect(subjectKey('email', ' Ada@Example.COM ')).toBe(subjectKey('email', 'ada@example.com'));
    expect(subjectKey('email', 'ada@example.com')).not.toBe(subjectKey('email', 'bob@example.com'));
  });

  it('hash the subject, so no email or address appears in a key', () => {
    const key = subjectKey('email', 'ada@example.com');
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(subjectKey('ip', '192.0.2.1')).not.toContain('192');
  });

  it('keep kinds apart: an id that looks like an email is not that email', () => {
    expect(subjectKey('id', 'ada@example.com')).not.toBe(subjectKey('email', 'ada@example.com'));
  });

  it('keep ids as they are (case matters)', () => {
    expect(subjectKey('id', 'Org1')).not.toBe(subjectKey('id', 'org1'));
  });
});
