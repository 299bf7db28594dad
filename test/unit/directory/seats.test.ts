import { describe, expect, it } from 'vitest';
import { keepsSeat } from '../../../src/directory/seats.ts';
import { createWorld, roles } from './world.ts';

/*
 * Just-in-time memberships that raced past the seat check: which keep their seat. Every membership of another
 * kind and every pending invitation holds one whenever it was made; among just-in-time ones, the first made.
 */
describe('keepsSeat', () => {
  it('gives the last seats to the first just-in-time memberships, counting every other member and invitation', async () => {
    const world = await createWorld();
    const org = await world.org({ limits: { maxUsers: 3, maxGroups: 5 } });
    await world.member(org, roles('owner'), { membership: { source: 'bootstrap' } });
    const first = await world.member(org, roles('developer'), { membership: { source: 'jit' } });
    const second = await world.member(org, roles('developer'), { membership: { source: 'jit' } });
    expect(await keepsSeat(world.stores, org.id, first.membership.id, world.now)).toBe(true);
    expect(await keepsSeat(world.stores, org.id, second.membership.id, world.now)).toBe(true);

    // An invitation accepted after both were made (its membership's id is later) still holds its seat.
    await world.member(org, roles('analyst'), { membership: { source: 'invite' } });
    expect(await keepsSeat(world.stores, org.id, first.membership.id, world.now)).toBe(true);
    expect(await keepsSeat(world.stores, org.id, second.membership.id, world.now)).toBe(false);
  });

  it('keeps every seat where the plan has no cap', async () => {
    const world = await createWorld();
    const org = await world.org();
    const many = await Promise.all([1, 2, 3].map(() => world.member(org, roles('developer'), { membership: { source: 'jit' } })));
    for (const { membership } of many) expect(await keepsSeat(world.stores, org.id, membership.id, world.now)).toBe(true);
  });
});
