import { describe, expect, it } from 'vitest';
import { groupCommit } from '../../../src/store/group-commit.ts';

/** A write the test finishes by hand: `writes` lists each call's documents. */
function controlledWrites() {
  const writes: { docs: string[]; finish: (error?: Error) => void }[] = [];
  const insertMany = (docs: string[]) => new Promise<void>((resolve, reject) => {
    writes.push({ docs: [...docs], finish: (error) => (error ? reject(error) : resolve()) });
  });
  return { writes, insertMany };
}

const settled = (promise: Promise<void>) => promise.then(() => 'stored', (error: Error) => `failed: ${error.message}`);

describe('group commit', () => {
  it('writes the first document at once, and those arriving meanwhile together in the next write', async () => {
    const { writes, insertMany } = controlledWrites();
    const record = groupCommit(insertMany);
    const first = settled(record('a'));
    expect(writes.map((w) => w.docs)).toEqual([['a']]);
    const later = [settled(record('b')), settled(record('c'))];
    expect(writes).toHaveLength(1); // nothing leaves while a write is in flight
    writes[0]!.finish();
    expect(await first).toBe('stored');
    await Promise.resolve();
    expect(writes.map((w) => w.docs)).toEqual([['a'], ['b', 'c']]);
    writes[1]!.finish();
    expect(await Promise.all(later)).toEqual(['stored', 'stored']);
    // Idle again: the next document goes at once.
    const next = settled(record('d'));
    expect(writes.at(-1)!.docs).toEqual(['d']);
    writes.at(-1)!.finish();
    expect(await next).toBe('stored');
  });

  it('fails exactly the callers whose write failed, and carries on with the others', async () => {
    const { writes, insertMany } = controlledWrites();
    const record = groupCommit(insertMany);
    const a = settled(record('a'));
    const b = settled(record('b'));
    const c = settled(record('c'));
    writes[0]!.finish(new Error('disk full'));
    await Promise.resolve();
    await Promise.resolve();
    writes[1]!.finish();
    expect(await Promise.all([a, b, c])).toEqual(['failed: disk full', 'stored', 'stored']);
  });

  it('writes at most maxBatch documents at a time, in arrival order', async () => {
    const { writes, insertMany } = controlledWrites();
    const record = groupCommit(insertMany, 2);
    const all = ['a', 'b', 'c', 'd', 'e'].map((doc) => settled(record(doc)));
    for (let i = 0; i < 3; i++) {
      while (writes.length <= i) await Promise.resolve();
      writes[i]!.finish();
    }
    expect(await Promise.all(all)).toEqual(Array(5).fill('stored'));
    expect(writes.map((w) => w.docs)).toEqual([['a'], ['b', 'c'], ['d', 'e']]);
  });

  it('refuses a batch size that is not a positive integer', () => {
    expect(() => groupCommit(async () => {}, 0)).toThrow(RangeError);
  });
});
