import { describe, expect, it } from 'vitest';
import { createIdGenerator } from '../../../src/common/ids.ts';

describe('ids', () => {
  it('are 26 lower-case Crockford characters, increasing even within one millisecond', () => {
    const newId = createIdGenerator(() => 1_700_000_000_000);
    const ids = Array.from({ length: 1000 }, () => newId());
    for (const id of ids) expect(id).toMatch(/^[0-9a-hjkmnp-tv-z]{26}$/);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('sort by creation time across milliseconds', () => {
    let now = 1_700_000_000_000;
    const newId = createIdGenerator(() => now);
    const earlier = newId();
    now += 1;
    expect(newId() > earlier).toBe(true);
  });
});
