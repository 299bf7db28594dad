import Keygrip from 'keygrip';
import { describe, expect, it } from 'vitest';
import { CookieSigner } from '../../../src/http/cookie-signer.ts';

/* The cookie signer must be Keygrip's exact equal: cookies signed by either verify with the other. */
describe('cookie signer', () => {
  const keys = ['first key 0123456789abcdef', 'second key ünïcødé'];
  const values = ['_session=abc', '_interaction=01HZY3; path=/', '', 'x'.repeat(4096), 'ünïcødé=✓'];

  it('signs exactly as Keygrip does, and verifies what Keygrip signed with any of its keys', () => {
    const ours = new CookieSigner(keys);
    for (const value of values) {
      expect(ours.sign(value)).toBe(new Keygrip(keys).sign(value));
      expect(ours.index(value, new Keygrip([keys[1]!]).sign(value))).toBe(1);
      expect(new Keygrip(keys).verify(value, ours.sign(value))).toBe(true);
    }
  });

  it('refuses a signature of other data, of another key, altered, truncated, padded or empty', () => {
    const ours = new CookieSigner(keys);
    const good = ours.sign('_session=abc');
    const altered = `${good.slice(0, -1)}${good.endsWith('A') ? 'B' : 'A'}`;
    for (const digest of [ours.sign('_session=abd'), new CookieSigner(['another key']).sign('_session=abc'), altered, good.slice(0, -1), `${good}=`, '']) {
      expect(ours.verify('_session=abc', digest)).toBe(false);
      expect(ours.index('_session=abc', digest)).toBe(-1);
    }
    expect(ours.verify('_session=abc', good)).toBe(true);
  });

  it('needs a key', () => {
    expect(() => new CookieSigner([])).toThrow(/at least one key/);
  });
});
