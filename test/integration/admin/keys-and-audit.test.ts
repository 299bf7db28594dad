import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdminWorld, type AdminWorld } from '../../support/admin-world.ts';
import { Browser, isPage } from '../../support/browser.ts';
import { CONSOLE_SECRET } from '../../support/admin-client.ts';
import { authorizationUrl, relyingParty } from '../../support/oidc-flow.ts';

/* API keys (the seeds: only the owner) and the audit log, over HTTP on Redis + FerretDB. */

interface ApiKey { id: string; prefix: string; revokedAt: string | null }
interface AuditEvent { actor: string; action: string; target: string | null; outcome: string; requestId: string | null; ip: string | null; details: Record<string, unknown> }

let world: AdminWorld;
beforeAll(async () => { world = await startAdminWorld(); });
afterAll(async () => { await world?.stop(); });

async function auditLog(query = ''): Promise<AuditEvent[]> {
  const events: AuditEvent[] = [];
  let next: string | undefined;
  do {
    const page = await (await world.as('owner@imgco.test')).get<{ items: AuditEvent[]; next?: string }>(`/audit-events?limit=200${query}${next ? `&cursor=${encodeURIComponent(next)}` : ''}`);
    expect(page.status).toBe(200);
    events.push(...page.body.items);
    next = page.body.next;
  } while (next);
  return events;
}

describe('API keys', () => {
  it('are created by the owner only, shown once, act with their roles, and stop at once when revoked', async () => {
    const owner = await world.as('owner@imgco.test');
    const admin = await world.as('admin@imgco.test');
    expect(await admin.post('/api-keys', { name: 'ci', roles: [{ role: 'developer' }] })).toMatchObject({ status: 403, body: { code: 'forbidden' } });
    expect((await admin.get('/api-keys')).status).toBe(403);

    const created = await owner.post<{ apiKey: ApiKey; key: string }>('/api-keys', { name: 'user sync', roles: [{ role: 'account-admin' }] });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(new RegExp(`^bk_${created.body.apiKey.prefix}_[A-Za-z0-9_-]{43}$`));
    const listed = await owner.get<{ items: ApiKey[] }>('/api-keys');
    expect(listed.body.items.map((k) => k.id)).toContain(created.body.apiKey.id);
    expect(JSON.stringify(listed.body)).not.toContain(created.body.key.slice(-43));

    const key = world.withCredential(created.body.key);
    expect((await key.get<{ items: unknown[] }>('/members')).status).toBe(200);
    expect((await key.get<{ kind: string }>('/me')).body.kind).toBe('apikey');
    // A key never manages keys, and its roles are what it was given.
    expect((await key.post('/api-keys', { name: 'child', roles: [{ role: 'developer' }] })).body).toMatchObject({ code: 'forbidden' });
    expect((await key.patch('/organization', { name: 'Renamed' })).status).toBe(403);
    // Another organisation's key sees nothing here.
    const rivalKey = await (await world.as('owner@rival.test')).post<{ key: string }>('/api-keys', { name: 'rival', roles: [{ role: 'owner' }] });
    const devId = await world.userId('dev@imgco.test');
    expect((await world.withCredential(rivalKey.body.key).get(`/members/${devId}`)).status).toBe(404);

    expect((await owner.delete<ApiKey>(`/api-keys/${created.body.apiKey.id}`)).body.revokedAt).toEqual(expect.any(String));
    expect((await key.get('/members')).status).toBe(401);
    expect((await owner.get<{ items: ApiKey[] }>('/api-keys')).body.items.map((k) => k.id)).not.toContain(created.body.apiKey.id);
    expect((await owner.get<{ items: ApiKey[] }>('/api-keys?includeRevoked=true')).body.items.map((k) => k.id)).toContain(created.body.apiKey.id);
  });

  it('cannot be given roles their creator does not hold', async () => {
    const owner = await world.as('owner@imgco.test');
    expect((await owner.post('/api-keys', { name: 'bad', roles: [{ role: 'nope' }] })).status).toBe(400);
    expect((await owner.post('/api-keys', { name: 'none', roles: [] })).status).toBe(400);
  });
});

describe('audit log', () => {
  it('records administrative changes with actor, target, request id and IP, and never a secret', async () => {
    const owner = await world.as('owner@imgco.test');
    const devId = await world.userId('dev@imgco.test');
    const response = await fetch(`${world.server.issuer}/admin/v1/members/${devId}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${await world.token('owner@imgco.test')}`, 'content-type': 'application/json', 'x-request-id': 'audit-test-request-0001' },
      body: JSON.stringify({ roles: [{ role: 'developer' }, { role: 'marketer' }] }),
    });
    expect(response.status).toBe(200);
    const created = await owner.post<{ key: string }>('/api-keys', { name: 'audited', roles: [{ role: 'developer' }] });
    const ownerId = await world.userId('owner@imgco.test');

    const events = await auditLog();
    const change = events.find((e) => e.action === 'member.updated' && e.requestId === 'audit-test-request-0001');
    expect(change).toMatchObject({ actor: `user:${ownerId}`, target: `user:${devId}`, outcome: 'success', ip: expect.stringMatching(/127\.0\.0\.1/) });
    expect(events.some((e) => e.action === 'api_key.created')).toBe(true);
    const text = JSON.stringify(events);
    expect(text).not.toContain(created.body.key.slice(-43));
    expect(text).not.toMatch(/secretHash|passwordHash|tokenHash|"(password|token|key)":/);


    const filtered = await auditLog('&action=api_key.created');
    expect(filtered.every((e) => e.action === 'api_key.created')).toBe(true);
  });

  it('records refusals and sign-ins, successful and failed, without the password', async () => {
    const admin = await world.as('admin@imgco.test');
    const ownerId = await world.userId('owner@imgco.test');
    await admin.post(`/members/${ownerId}/suspend`);
    const browser = new Browser();
    const rp = await relyingParty(world.server.issuer, 'console', CONSOLE_SECRET);
    const page = await browser.open((await authorizationUrl(rp)).url.href);
    if (!isPage(page)) throw new Error('redirected');
    const passwordPage = await browser.submit(page, '/email', { email: 'dev@imgco.test' });
    if (!isPage(passwordPage)) throw new Error('redirected');
    await browser.submit(passwordPage, '/password', { password: 'wrong-password-guess-1234' });
    await world.signInClaims('dev@imgco.test');

    const events = await auditLog();
    expect(events.find((e) => e.action === 'member.suspended' && e.outcome === 'failure')).toMatchObject({ details: { reason: 'privilege_escalation' } });
    const devId = await world.userId('dev@imgco.test');
    expect(events.find((e) => e.action === 'signin.failed' && e.target === `user:${devId}`)).toMatchObject({ details: { method: 'password', reason: 'invalid_password' } });
    expect(events.find((e) => e.action === 'signin.succeeded' && e.target === `user:${devId}`)).toMatchObject({ actor: `user:${devId}`, details: { method: 'password' } });
    expect(JSON.stringify(events)).not.toContain('wrong-password-guess-1234');
  });

  it('is readable by admins holding the security permission only, and only for their organisation', async () => {
    expect((await (await world.as('dev@imgco.test')).get('/audit-events')).status).toBe(403);
    const rivalEvents = await (await world.as('owner@rival.test')).get<{ items: AuditEvent[] }>('/audit-events?limit=200');
    expect(rivalEvents.status).toBe(200);
    const devId = await world.userId('dev@imgco.test');
    expect(JSON.stringify(rivalEvents.body.items)).not.toContain(devId);
    expect((await (await world.as('owner@imgco.test')).get('/audit-events?since=yesterday')).status).toBe(400);
  });
});

