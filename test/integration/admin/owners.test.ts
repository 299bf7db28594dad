import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stores } from '../../../src/store/stores.ts';
import { adminApi, adminToken, type AdminResponse, CONSOLE_SECRET } from '../../support/admin-client.ts';
import { startBridgekeeper, type TestServer } from '../../support/bridgekeeper.ts';
import { CALLBACK, PASSWORD } from '../../support/oidc-flow.ts';
import { openStoresBeside } from '../../support/stores-beside.ts';

/*
 * The organisation always keeps an owner, even when its two owners take each other out at the same moment:
 * both changes pass the check before either is written, so each looks again after writing, and one that finds no
 * owner left undoes itself. The refused change is answered `last_owner` and leaves the member as they were.
 */

let server: TestServer;
let stores: Stores;
let orgId: string;
beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'bk-owners-'));
  const bootstrap = join(dir, 'world.yaml');
  await writeFile(bootstrap, stringify({
    organizations: [{ slug: 'acme', name: 'Acme', loginPolicy: { methods: ['password'] }, limits: { maxUsers: 20 } }],
    users: ['a', 'b'].map((n) => ({ email: `${n}@acme.test`, name: `Owner ${n.toUpperCase()}`, password: PASSWORD, emailVerified: true })),
    memberships: ['a', 'b'].map((n) => ({ user: `${n}@acme.test`, org: 'acme', roles: ['owner'] })),
    clients: [{ clientId: 'console', name: 'Admin console', redirectUris: [CALLBACK], clientSecret: CONSOLE_SECRET, firstParty: true, idTokenSignedResponseAlg: 'ES256' }],
  }));
  server = await startBridgekeeper({ backends: 'redis+ferretdb', bootstrap });
  stores = await openStoresBeside(server.config);
  orgId = (await stores.organizations.findBySlug('acme'))!.id;
});
afterAll(async () => {
  await stores?.close();
  await server?.stop();
});

type Api = ReturnType<typeof adminApi>;
const ownerships = async () => (await stores.memberships.list({ where: { orgId }, limit: 10 })).items;

/** Both back to active owners with their groups, both signed in to the admin API. */
async function twoOwners(): Promise<{ a: Api; b: Api; idA: string; idB: string }> {
  for (const email of ['a@acme.test', 'b@acme.test']) {
    const user = (await stores.users.findByEmail(email))!;
    const membership = await stores.memberships.findFor(orgId, user.id);
    if (membership) await stores.memberships.update(membership.id, { roles: [{ role: 'owner' }], status: 'active' });
    else await stores.memberships.create({ orgId, userId: user.id, roles: [{ role: 'owner' }], groupIds: [], status: 'active', source: 'bootstrap', loginMethods: [] });
  }
  const a = adminApi(server.issuer, await adminToken(server.issuer, 'a@acme.test'));
  const b = adminApi(server.issuer, await adminToken(server.issuer, 'b@acme.test'));
  const [idA, idB] = await Promise.all(['a@acme.test', 'b@acme.test'].map(async (email) => (await stores.users.findByEmail(email))!.id));
  return { a, b, idA: idA!, idB: idB! };
}

describe('the last owner, when two owners take each other out at once', () => {
  it.each([
    ['demote', (api: Api, id: string) => api.patch(`/members/${id}`, { roles: [{ role: 'developer' }] })],
    ['suspend', (api: Api, id: string) => api.post(`/members/${id}/suspend`)],
    ['remove', (api: Api, id: string) => api.delete(`/members/${id}`)],
  ] as const)('%s: an active owner remains, and a refused change changed nothing', async (_name, takeOut) => {
    for (let round = 0; round < 3; round++) {
      const { a, b, idA, idB } = await twoOwners();
      const answers: AdminResponse[] = await Promise.all([takeOut(a, idB), takeOut(b, idA)]);
      const after = await ownerships();
      const owners = after.filter((m) => m.status === 'active' && m.roles.some((r) => r.role === 'owner'));
      expect(owners.length).toBeGreaterThanOrEqual(1);
      for (const [i, answer] of answers.entries()) {
        const target = [idB, idA][i];
        if (answer.status < 300) continue;
        expect(answer).toMatchObject({ status: 403, body: { code: 'last_owner' } });
        // The member the refused change was about is as before: an active owner, and only that.
        expect(after.find((m) => m.userId === target)).toMatchObject({ status: 'active', roles: [{ role: 'owner' }] });
      }
    }
  });
});
