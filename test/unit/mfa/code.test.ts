import { describe, expect, it } from 'vitest';
import { digestCode, digestsMatch, generateCode, normalizeCodeInput } from '../../../src/mfa/code.ts';

const KEY = Buffer.alloc(32, 7);
const BINDING = { challengeId: 'challenge-1', userId: 'user-1', codeId: 'code-1' };

describe('one-time codes', () => {
  it('are six digits, leading zeros kept, drawn uniformly', () => {
    const samples = Array.from({ length: 20_000 }, generateCode);
    for (const code of samples) expect(code).toMatch(/^\d{6}$/);
    // Each leading digit, 0 included, should turn up about a tenth of the time (expected 2000, sd ~42).
    const leading = new Map<string, number>();
    for (const code of samples) leading.set(code[0]!, (leading.get(code[0]!) ?? 0) + 1);
    expect(leading.size).toBe(10);
    for (const count of leading.values()) {
      expect(count).toBeGreaterThan(1_750);
      expect(count).toBeLessThan(2_250);
    }
    expect(new Set(samples).size).toBeGreaterThan(19_000);
  });

  it('are compared as typed minus spaces and dashes', () => {
    expect(normalizeCodeInput(' 012 345\t')).toBe('012345');
    expect(normalizeCodeInput('012-345')).toBe('012345');
  });
});

describe('code digests', () => {
  const digest = digestCode(KEY, BINDING, '012345');

  it('match only the same code under the same key and binding', () => {
    expect(digestsMatch(digest, digestCode(KEY, BINDING, '012345'))).toBe(true);
    expect(digestsMatch(digest, digestCode(KEY, BINDING, '012346'))).toBe(false);
    expect(digestsMatch(digest, digestCode(Buffer.alloc(32, 8), BINDING, '012345'))).toBe(false);
    for (const field of ['challengeId', 'userId', 'codeId'] as const) {
      expect(digestsMatch(digest, digestCode(KEY, { ...BINDING, [field]: 'other' }, '012345'))).toBe(false);
    }
  });

  it('cannot be confused by ids that contain what would be a separator', () => {
    const joined = digestCode(KEY, { challengeId: 'a:b', userId: 'c', codeId: 'd' }, '000000');
    const split = digestCode(KEY, { challengeId: 'a', userId: 'b:c', codeId: 'd' }, '000000');
    expect(digestsMatch(joined, split)).toBe(false);
  });

  it('compare false, not throw, when lengths differ', () => {
    expect(digestsMatch(digest, digest.slice(0, 10))).toBe(false);
    expect(digestsMatch(digest, '')).toBe(false);
  });
});
