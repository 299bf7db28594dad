import Koa from 'koa';
import { describe, expect, it } from 'vitest';
import { createEmbeddedBackend } from '../../../src/store/embedded/backend.ts';
import { requestCache, withRequestCache } from '../../../src/store/request-cache.ts';
import { createStores, type Stores } from '../../../src/store/stores.ts';
import { userDraft } from '../../support/samples.ts';

function counting(stores: Stores) {
  let reads = 0;
  const users = { ...stores.users, find: async (id: string) => { reads++; return stores.users.find(id); } };
  return { stores: withRequestCache({ ...stores, users }), reads: () => reads };
}

describe('withRequestCache', () => {
  it('asks the store once per read within a request, hands out values nobody can change, and forgets on a write', async () => {
    const raw = await createStores(createEmbeddedBackend({ memory: true }));
    const user = await raw.users.create(userDraft());
    const { stores, reads } = counting(raw);
    const app = new Koa();
    app.use(requestCache());
    let seen: string[] = [];
    app.use(async (ctx) => {
      const first = (await stores.users.find(user.id))!;
      const scribble = () => { first.name = 'changed by a caller'; };
      seen.push(String(Object.isFrozen(first)));
      try { scribble(); } catch (error) { seen.push((error as Error).constructor.name); }
      const second = (await stores.users.find(user.id))!;
      seen.push(second.name);
      await stores.users.update(user.id, { name: 'Renamed' });
      seen.push((await stores.users.find(user.id))!.name);
      ctx.body = 'ok';
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const { port } = server.address() as { port: number };
      await fetch(`http://127.0.0.1:${port}/`);
      expect(seen).toEqual(['true', 'TypeError', user.name, 'Renamed']);
      expect(reads()).toBe(2);
      seen = [];
      await fetch(`http://127.0.0.1:${port}/`);
      expect(reads()).toBe(4); // a new request reads afresh
    } finally {
      server.close();
    }
  });

  it('reads straight through outside any request', async () => {
    const raw = await createStores(createEmbeddedBackend({ memory: true }));
    const user = await raw.users.create(userDraft());
    const { stores, reads } = counting(raw);
    await stores.users.find(user.id);
    await stores.users.find(user.id);
    expect(reads()).toBe(2);
  });
});
