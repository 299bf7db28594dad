import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEmbeddedBackend } from '../../src/store/embedded/backend.ts';
import { createStores } from '../../src/store/stores.ts';
import { orgDraft, userDraft } from '../support/samples.ts';
import { runStoreContract } from './stores.contract.ts';

runStoreContract('embedded (SQLite file)', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'bk-embedded-'));
  return { backend: createEmbeddedBackend({ dataDir }), cleanup: () => rm(dataDir, { recursive: true, force: true }) };
});

describe('embedded store durability', () => {
  it('keeps everything written before a restart', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'bk-restart-'));
    try {
      const before = await createStores(createEmbeddedBackend({ dataDir }));
      const org = await before.organizations.create(orgDraft({ domains: [{ domain: 'acme.test', verified: true }] }));
      const user = await before.users.create(userDraft({ email: 'Keep@Acme.test' }));
      await before.users.update(user.id, { name: 'Updated before restart' });
      await before.close();

      const after = await createStores(createEmbeddedBackend({ dataDir }));
      expect(await after.organizations.get(org.id)).toEqual(org);
      expect((await after.organizations.findByVerifiedDomain('acme.test'))?.id).toBe(org.id);
      expect((await after.users.findByEmail('keep@acme.test'))?.name).toBe('Updated before restart');
      await after.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
