import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { KvStore } from '../../src/common/kv.ts';

export type KvFactory = () => Promise<{ kv: KvStore; cleanup: () => Promise<void> }>;

/*
 * The contract every KvStore backend honours, run once per backend (the backend's own test file is only a
 * factory). The suite closes the store; `cleanup` then removes whatever the backend left behind.
 * Expiry is tested against the real clock with sub-second TTLs, because Redis expires keys by its own clock.
 */
export function runKvContract(name: string, factory: KvFactory): void {
  describe(`kv contract: ${name}`, () => {
    let kv: KvStore;
    let cleanup: (() => Promise<void>) | undefined;
    // Every test gets its own key space, so tests never see each other's keys.
    let key: (suffix: string) => string;

    // A backend that cannot be set up fails every test rather than leaving them skipped (a failing
    // beforeAll would only mark them skipped, and a run without Redis must not look green).
    let setupError: unknown;

    beforeAll(async () => {
      try {
        const made = await factory();
        kv = made.kv;
        cleanup = made.cleanup;
      } catch (error) {
        setupError = error;
      }
    });
    afterAll(async () => {
      await kv?.close();
      await cleanup?.();
    });
    beforeEach(() => {
      if (setupError) throw setupError;
      const space = randomUUID();
      key = (suffix) => `${space}:${suffix}`;
    });

    it('answers ping', async () => {
      await expect(kv.ping()).resolves.toBeUndefined();
    });

    it.each([
      ['an object', { sub: 'u1', claims: { email: 'a@b.test', roles: ['admin'] }, n: 1.5, ok: true, none: null }],
      ['an array', [1, 'two', { three: 3 }, [4]]],
      ['a string', 'héllo "quoted" \n line'],
      ['an empty string', ''],
      ['a number', 42],
      ['zero', 0],
      ['false', false],
      ['null', null],
    ])('round-trips %s as JSON', async (_what, value) => {
      await kv.set(key('v'), value, 60);
      expect(await kv.get(key('v'))).toEqual(value);
    });

    it('answers undefined for a missing key', async () => {
      expect(await kv.get(key('missing'))).toBeUndefined();
      expect(await kv.ttl(key('missing'))).toBeUndefined();
    });

    it('hands out copies, never the stored object', async () => {
      const value = { list: [1] };
      await kv.set(key('v'), value, 60);
      value.list.push(2);
      const read = await kv.get<{ list: number[] }>(key('v'));
      read?.list.push(3);
      expect(await kv.get(key('v'))).toEqual({ list: [1] });
    });

    it('overwrites a value and its expiry', async () => {
      await kv.set(key('v'), 'first', 60);
      await kv.set(key('v'), { second: true }, 600);
      expect(await kv.get(key('v'))).toEqual({ second: true });
      expect(await kv.ttl(key('v'))).toBeGreaterThan(590);
    });

    it('expires keys after their TTL and reports the remaining lifetime', async () => {
      await kv.set(key('short'), 'soon gone', 0.3);
      await kv.set(key('long'), 'stays', 60);
      const remaining = await kv.ttl(key('short'));
      expect(remaining).toBeGreaterThan(0);
      expect(remaining).toBeLessThanOrEqual(0.3);
      expect(await kv.ttl(key('long'))).toBeGreaterThan(59);
      expect(await kv.ttl(key('long'))).toBeLessThanOrEqual(60);

      await sleep(700);
      expect(await kv.get(key('short'))).toBeUndefined();
      expect(await kv.ttl(key('short'))).toBeUndefined();
      expect(await kv.consume(key('short'))).toBeUndefined();
      expect(await kv.get(key('long'))).toBe('stays');
    });

    it('refuses values without JSON and TTLs that are not positive', async () => {
      await expect(kv.set(key('v'), undefined, 60)).rejects.toBeInstanceOf(TypeError);
      await expect(kv.set(key('v'), 1, 0)).rejects.toBeInstanceOf(RangeError);
      await expect(kv.set(key('v'), 1, -1)).rejects.toBeInstanceOf(RangeError);
      await expect(kv.setIfAbsent(key('v'), 1, Number.NaN)).rejects.toBeInstanceOf(RangeError);
      await expect(kv.increment(key('n'), Number.POSITIVE_INFINITY)).rejects.toBeInstanceOf(RangeError);
      await expect(kv.increment(key('n'), 60, 1.5)).rejects.toBeInstanceOf(RangeError);
      expect(await kv.get(key('v'))).toBeUndefined();
    });

    describe('setIfAbsent', () => {
      it('stores only the first value, and again once the key has expired', async () => {
        expect(await kv.setIfAbsent(key('lock'), 'first', 0.3)).toBe(true);
        expect(await kv.setIfAbsent(key('lock'), 'second', 60)).toBe(false);
        expect(await kv.get(key('lock'))).toBe('first');
        await sleep(700);
        expect(await kv.setIfAbsent(key('lock'), 'third', 60)).toBe(true);
        expect(await kv.get(key('lock'))).toBe('third');
      });

      it('lets exactly one of 20 concurrent callers win', async () => {
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => kv.setIfAbsent(key('lock'), i, 60)));
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await kv.get(key('lock'))).toBe(results.indexOf(true));
      });
    });

    describe('consume', () => {
      it('returns the value once, then undefined', async () => {
        await kv.set(key('code'), { grant: 'g1' }, 60);
        expect(await kv.consume(key('code'))).toEqual({ grant: 'g1' });
        expect(await kv.consume(key('code'))).toBeUndefined();
        expect(await kv.get(key('code'))).toBeUndefined();
      });

      it('gives the value to exactly one of 20 concurrent callers', async () => {
        await kv.set(key('code'), { grant: 'g1' }, 60);
        const results = await Promise.all(Array.from({ length: 20 }, () => kv.consume(key('code'))));
        expect(results.filter((result) => result !== undefined)).toEqual([{ grant: 'g1' }]);
      });
    });

    describe('increment', () => {
      it('creates a counter at 1 and counts by 1 or by a given step', async () => {
        expect(await kv.increment(key('n'), 60)).toBe(1);
        expect(await kv.increment(key('n'), 60)).toBe(2);
        expect(await kv.increment(key('n'), 60, 5)).toBe(7);
        expect(await kv.get(key('n'))).toBe(7);
        expect(await kv.increment(key('m'), 60, 3)).toBe(3);
      });

      it('keeps the window of the first increment and starts over after it', async () => {
        expect(await kv.increment(key('n'), 0.6)).toBe(1);
        await sleep(300);
        expect(await kv.increment(key('n'), 0.6)).toBe(2);
        // A sliding window would now have about 0.6 s left.
        expect(await kv.ttl(key('n'))).toBeLessThanOrEqual(0.35);
        await sleep(600);
        expect(await kv.get(key('n'))).toBeUndefined();
        expect(await kv.increment(key('n'), 60)).toBe(1);
      });

      it('answers with the remaining window too, from the first increment on', async () => {
        const first = await kv.incrementWithTtl(key('w'), 0.8);
        expect(first.value).toBe(1);
        expect(first.ttlSeconds).toBeGreaterThan(0.6);
        expect(first.ttlSeconds).toBeLessThanOrEqual(0.8);
        await sleep(300);
        const second = await kv.incrementWithTtl(key('w'), 0.8, 4);
        expect(second.value).toBe(5);
        expect(second.ttlSeconds).toBeLessThanOrEqual(0.55); // the window of the first increment, not a new one
        expect(second.ttlSeconds).toBeGreaterThan(0);
        await expect(kv.incrementWithTtl(key('w'), 60, 1.5)).rejects.toBeInstanceOf(RangeError);
      });

      it('hands 20 concurrent callers the distinct values 1..20', async () => {
        const results = await Promise.all(Array.from({ length: 20 }, () => kv.increment(key('n'), 60)));
        expect([...results].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      });
    });

    it('deletes a key, and deleting a missing key is not an error', async () => {
      await kv.set(key('v'), 1, 60);
      await kv.set(key('other'), 2, 60);
      await kv.delete(key('v'));
      await expect(kv.delete(key('v'))).resolves.toBeUndefined();
      expect(await kv.get(key('v'))).toBeUndefined();
      expect(await kv.get(key('other'))).toBe(2);
    });

    it('stores nothing while the unlessKey exists, with or without groups, and says so', async () => {
      const mark = key('revoked-mark');
      expect(await kv.set(key('before'), 'b', 60, { unlessKey: mark, groups: [key('grant-u')] })).toBe(true);
      await kv.set(mark, 1, 60);
      expect(await kv.set(key('after'), 'a', 60, { unlessKey: mark })).toBe(false);
      expect(await kv.set(key('after-grouped'), 'a', 60, { unlessKey: mark, groups: [key('grant-u')] })).toBe(false);
      expect(await kv.get(key('after'))).toBeUndefined();
      expect(await kv.get(key('after-grouped'))).toBeUndefined();
      // The key written before the mark joined its group; the refused one did not.
      await kv.deleteGroup(key('grant-u'));
      expect(await kv.get(key('before'))).toBeUndefined();
      await kv.delete(mark);
      expect(await kv.set(key('after'), 'a', 60, { unlessKey: mark })).toBe(true);
      expect(await kv.get(key('after'))).toBe('a');
      expect(await kv.set(key('plain-set'), 'p', 60)).toBe(true);
    });

    describe('groups', () => {
      it('deleteGroup removes every key of the group and nothing else', async () => {
        const grant = key('grant');
        await kv.set(key('access'), 'a', 60, { groups: [grant] });
        await kv.set(key('refresh'), 'r', 600, { groups: [grant, key('session')] });
        await kv.set(key('code'), 'c', 60, { groups: [key('other-grant')] });
        await kv.set(key('plain'), 'p', 60);

        await kv.deleteGroup(grant);
        expect(await kv.get(key('access'))).toBeUndefined();
        expect(await kv.get(key('refresh'))).toBeUndefined();
        expect(await kv.get(key('code'))).toBe('c');
        expect(await kv.get(key('plain'))).toBe('p');

        await kv.deleteGroup(key('other-grant'));
        expect(await kv.get(key('code'))).toBeUndefined();
      });

      it('keeps a group as long as its longest-lived key', async () => {
        await kv.set(key('long'), 'l', 60, { groups: [key('g')] });
        await kv.set(key('short'), 's', 0.3, { groups: [key('g')] });
        await sleep(700);
        await kv.deleteGroup(key('g'));
        expect(await kv.get(key('long'))).toBeUndefined();
      });

      it('deleting an unknown group is not an error', async () => {
        await expect(kv.deleteGroup(key('nobody'))).resolves.toBeUndefined();
      });
    });
  });
}
