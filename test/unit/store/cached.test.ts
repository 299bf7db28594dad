import { describe, expect, it } from 'vitest';
import { createEmbeddedBackend } from '../../../src/store/embedded/backend.ts';
import { cachedById } from '../../../src/store/cached.ts';
import { createStores } from '../../../src/store/stores.ts';
import { clientDraft } from '../../support/samples.ts';

async function world() {
  const stores = await createStores(createEmbeddedBackend({ memory: true }));
  let clock = 0;
  const cached = cachedById(stores.clients, { ttlMs: 1_000, now: () => clock });
  return { stores, cached, advance: (ms: number) => { clock += ms; } };
}

describe('cachedById', () => {
  it('answers repeated reads from memory until the TTL passes, then reads again', async () => {
    const { stores, cached, advance } = await world();
    const client = await stores.clients.create(clientDraft());
    expect((await cached.find(client.id))?.name).toBe(client.name);
    await stores.clients.update(client.id, { name: 'Renamed elsewhere' }); // another instance's write
    expect((await cached.find(client.id))?.name).toBe(client.name);
    advance(1_001);
    expect((await cached.find(client.id))?.name).toBe('Renamed elsewhere');
  });

  it('forgets an entry at once on its own writes, never caches a miss, and hands out values nobody can change', async () => {
    const { stores, cached } = await world();
    const client = await stores.clients.create(clientDraft());
    await cached.find(client.id);
    await cached.update(client.id, { name: 'Renamed here' });
    expect((await cached.find(client.id))?.name).toBe('Renamed here');
    const shared = (await cached.find(client.id))!;
    expect(() => shared.redirectUris.push('https://tampered.example/cb')).toThrow(TypeError);
    expect(() => { shared.name = 'Tampered'; }).toThrow(TypeError);
    expect((await cached.find(client.id))!.name).toBe('Renamed here');
    expect((await cached.find(client.id))!.redirectUris).not.toContain('https://tampered.example/cb');
    expect(await cached.find('not-yet')).toBeUndefined();
    const late = await stores.clients.create(clientDraft({ id: 'not-yet' }));
    expect((await cached.find('not-yet'))?.id).toBe(late.id);
    await cached.delete(client.id);
    expect(await cached.find(client.id)).toBeUndefined();
  });
});
