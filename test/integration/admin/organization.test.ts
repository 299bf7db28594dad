import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdminWorld, type AdminWorld } from '../../support/admin-world.ts';

/* The organisation's own settings over HTTP: who may change what, and plan limits that only the operator sets. */

interface Organization {
  name: string;
  domains: { domain: string; verified: boolean }[];
  loginPolicy: { methods: string[] };
  mfaPolicy: string;
  limits: { maxUsers: number | null; maxGroups: number };
  usage: { users: number; groups: number };
}

let world: AdminWorld;
beforeAll(async () => { world = await startAdminWorld(); });
afterAll(async () => { await world?.stop(); });

describe('organisation settings', () => {
  it('shows every member the settings, limits and their use', async () => {
    const seen = await (await world.as('dev@imgco.test')).get<Organization>('/organization');
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({ name: 'Image Co', loginPolicy: { methods: ['password'] }, limits: { maxUsers: 40, maxGroups: 5 }, usage: { users: 4, groups: 0 } });
  });

  it('lets the owner rename it, and admins with the security permission change sign-in methods, MFA and domains', async () => {
    const owner = await world.as('owner@imgco.test');
    const admin = await world.as('admin@imgco.test');
    const dev = await world.as('dev@imgco.test');
    expect(await admin.patch('/organization', { name: 'Taken Over' })).toMatchObject({ status: 403, body: { code: 'forbidden' } });
    expect(await dev.patch('/organization', { mfaPolicy: 'required' })).toMatchObject({ status: 403, body: { code: 'forbidden' } });
    expect((await owner.get<Organization>('/organization')).body).toMatchObject({ name: 'Image Co', mfaPolicy: 'optional' });

    const changed = await admin.patch<Organization>('/organization', { mfaPolicy: 'required', loginPolicy: { methods: ['password', 'google'] }, domains: ['imgco.test'] });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ mfaPolicy: 'required', loginPolicy: { methods: ['password', 'google'] }, domains: [{ domain: 'imgco.test', verified: false }] });
    expect((await owner.patch<Organization>('/organization', { name: 'Image Company' })).body.name).toBe('Image Company');
  });

  it('refuses bad values and plan limits, changing nothing', async () => {
    const owner = await world.as('owner@imgco.test');
    const before = (await owner.get<Organization>('/organization')).body;
    for (const body of [{ loginPolicy: { methods: [] } }, { loginPolicy: { methods: ['carrier-pigeon'] } }, { domains: ['not a domain'] }, { limits: { maxUsers: 1000 } }, { mfaPolicy: 'sometimes' }]) {
      const refused = await owner.patch<{ code: string }>('/organization', body);
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect(refused.body.code).toBe('invalid_request');
    }
    expect((await owner.get<Organization>('/organization')).body).toEqual(before);
  });
});
