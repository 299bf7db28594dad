import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStoresBeside } from '../../support/stores-beside.ts';
import type { Stores } from '../../../src/store/stores.ts';
import { startAdminWorld, type AdminWorld } from '../../support/admin-world.ts';
import { Browser, isPage, type Page } from '../../support/browser.ts';
import { linkIn } from '../../support/smtp.ts';

/*
 * Invitations end to end over HTTP, on Redis + FerretDB: the admin invites, a real SMTP server receives the
 * email, the invitee opens the link in a (cookie-keeping) browser and accepts; then signs in with openid-client.
 */

interface Invitation { id: string; email: string; status: string; expired: boolean }

let world: AdminWorld;
let stores: Stores;
beforeAll(async () => {
  world = await startAdminWorld();
  stores = await openStoresBeside(world.server.config);
});
afterAll(async () => {
  await stores?.close();
  await world?.stop();
});

const PASSPHRASE = 'a long enough passphrase';
const linkPrefix = () => `${world.server.issuer}/account/invitation?token=`;

async function invite(email: string, body: Record<string, unknown> = {}, as = 'owner@imgco.test') {
  const before = world.smtp.received.length;
  const response = await (await world.as(as)).post<Invitation & { code?: string }>('/invitations', { email, ...body });
  const mail = response.status === 201
    ? await world.smtp.waitFor(email.toLowerCase(), (m) => world.smtp.received.findIndex((r) => r.mail === m) >= before)
    : undefined;
  return { response, link: mail ? linkIn(mail, linkPrefix()) : undefined, mail };
}

async function open(link: string): Promise<{ browser: Browser; page: Page }> {
  const browser = new Browser();
  const page = await browser.open(link);
  if (!isPage(page)) throw new Error('redirected');
  return { browser, page };
}

async function accept(link: string, fields: Record<string, string>): Promise<Page> {
  const { browser, page } = await open(link);
  const result = await browser.submit(page, '/account/invitation', fields);
  if (!isPage(result)) throw new Error('redirected');
  return result;
}

describe('invitations', () => {
  it('emails a single-use link; the invitee sets a password, joins with the invited roles and groups, and signs in', async () => {
    const owner = await world.as('owner@imgco.test');
    const group = await owner.post<{ id: string }>('/groups', { name: 'Analysts', roles: [{ role: 'analyst' }] });
    expect(group.status).toBe(201);
    const { response, link, mail } = await invite('New.Hire@imgco.test', { roles: [{ role: 'marketer' }], groupIds: [group.body.id] });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ email: 'new.hire@imgco.test', status: 'pending', expired: false });
    expect(JSON.stringify(response.body)).not.toMatch(/token/i);
    expect(mail!.subject).toBe('Olivia Owner invited you to join Image Co');
    expect(mail!.text).toContain('24 hours');

    const { page } = await open(link!);
    expect(page.status).toBe(200);
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.body).toContain('new.hire@imgco.test');
    expect(page.body).toContain('autocomplete="new-password"');

    const weak = await accept(link!, { name: 'Nia Hire', password: 'short' });
    expect(weak.status).toBe(400);
    expect(weak.body).toContain('password-error');

    const done = await accept(link!, { name: 'Nia Hire', password: PASSPHRASE });
    expect(done.status).toBe(200);
    expect(done.body).toContain('Welcome to Image Co');

    const claims = await world.signInClaims('new.hire@imgco.test', { password: PASSPHRASE });
    expect(claims).toMatchObject({ name: 'Nia Hire', org: 'imgco', groups: ['Analysts'] });
    expect(claims.roles).toEqual(expect.arrayContaining(['marketer', 'analyst']));
    // The group's analyst role expands to its permissions (image and video analytics) in the token.
    expect(claims.permissions).toEqual(expect.arrayContaining(['assets:edit', 'assets:browse', 'analytics:read', 'video-analytics:read']));

    const reused = await open(link!).then(({ page: again }) => again);
    expect(reused.status).toBe(410);
    expect(reused.body).toContain('already been accepted');
  });

  it('adds an existing account of another organisation without touching its password', async () => {
    const { link } = await invite('owner@rival.test', { roles: [{ role: 'developer' }] });
    const { page } = await open(link!);
    expect(page.body).toContain('existing account');
    expect(page.body).not.toContain('name="password"');
    expect((await accept(link!, {})).status).toBe(200);
    // Both organisations now: the sign-in asks which one, and the token carries only the chosen one.
    const claims = await world.signInClaims('owner@rival.test', { organization: 'imgco' });
    expect(claims).toMatchObject({ org: 'imgco', roles: ['developer'] });
    expect((await world.signInClaims('owner@rival.test', { organization: 'rival' })).roles).toEqual(['owner']);
  });

  it('refuses an expired link, and a revoked one, with a page that says so', async () => {
    const expiring = await invite('late@imgco.test');
    await stores.invitations.update(expiring.response.body.id, { expiresAt: new Date(Date.now() - 1000).toISOString() });
    const expired = (await open(expiring.link!)).page;
    expect(expired.status).toBe(410);
    expect(expired.body).toContain('expired');
    const listed = await (await world.as('owner@imgco.test')).get<{ items: Invitation[] }>('/invitations');
    expect(listed.body.items.find((i) => i.email === 'late@imgco.test')).toMatchObject({ expired: true });

    const revoking = await invite('withdrawn@imgco.test');
    const { browser, page } = await open(revoking.link!);
    expect((await (await world.as('owner@imgco.test')).post(`/invitations/${revoking.response.body.id}/revoke`)).body).toMatchObject({ status: 'revoked' });
    const late = await browser.submit(page, '/account/invitation', { name: 'W', password: PASSPHRASE });
    expect(isPage(late) && late.status).toBe(410);
    expect(await stores.users.findByEmail('withdrawn@imgco.test')).toBeUndefined();
  });

  it('resends with a new link and kills the old one', async () => {
    const first = await invite('twice@imgco.test');
    const owner = await world.as('owner@imgco.test');
    const before = world.smtp.received.length;
    expect((await owner.post(`/invitations/${first.response.body.id}/resend`)).status).toBe(200);
    const mail = await world.smtp.waitFor('twice@imgco.test', (m) => world.smtp.received.findIndex((r) => r.mail === m) >= before);
    const second = linkIn(mail, linkPrefix());
    expect(second).not.toBe(first.link);
    expect((await open(first.link!)).page.status).toBe(404);
    expect((await open(second)).page.status).toBe(200);
  });

  it('refuses a form posted without this browser\'s CSRF token', async () => {
    const { link } = await invite('forged@imgco.test');
    const token = new URL(link!).searchParams.get('token')!;
    const forged = await new Browser().request(`${world.server.issuer}/account/invitation`, { form: { token, name: 'X', password: PASSPHRASE, csrf: 'forged' } });
    expect(forged.status).toBe(403);
    expect(await stores.users.findByEmail('forged@imgco.test')).toBeUndefined();
  });

  it('refuses members, duplicates, roles the inviter lacks, and invitations from those who may not invite', async () => {
    expect((await invite('dev@imgco.test')).response).toMatchObject({ status: 409, body: { code: 'conflict' } });
    await invite('pending@imgco.test');
    expect((await invite('PENDING@imgco.test')).response).toMatchObject({ status: 409, body: { code: 'conflict' } });
    expect((await invite('boss@imgco.test', { roles: [{ role: 'owner' }] }, 'admin@imgco.test')).response)
      .toMatchObject({ status: 403, body: { code: 'privilege_escalation' } });
    expect((await invite('friend@imgco.test', {}, 'dev@imgco.test')).response).toMatchObject({ status: 403, body: { code: 'forbidden' } });
    expect((await invite('not an email')).response.status).toBe(400);
    const sent = world.smtp.received.map((r) => r.envelope.to[0]);
    expect(sent).not.toContain('boss@imgco.test');
    expect(sent).not.toContain('friend@imgco.test');
  });

  it('holds the plan\'s user cap, counting pending invitations; clearing them frees the seats', async () => {
    // rival: 5 seats, 1 member.
    const rival = await world.as('owner@rival.test');
    for (const n of [1, 2, 3, 4]) expect((await invite(`seat${n}@rival.test`, {}, 'owner@rival.test')).response.status).toBe(201);
    const full = await invite('seat5@rival.test', {}, 'owner@rival.test');
    expect(full.response).toMatchObject({ status: 409, body: { code: 'user_limit_reached' } });
    expect((await rival.get<{ usage: { users: number } }>('/organization')).body.usage.users).toBe(1);

    const cleared = await rival.post<{ cleared: number }>('/invitations/clear', {});
    expect(cleared.body.cleared).toBe(4);
    expect((await rival.get<{ items: unknown[] }>('/invitations')).body.items).toEqual([]);
    expect((await invite('seat5@rival.test', {}, 'owner@rival.test')).response.status).toBe(201);
  });

  it('holds the cap when expired invitations are revived at the same time: the seat goes to one at most', async () => {
    // rival now: 1 member and seat5 pending, of 5 seats. Three more, then expired: two more invitations leave one seat.
    const rival = await world.as('owner@rival.test');
    const late = await Promise.all(['seat6', 'seat7', 'seat8'].map((n) => invite(`${n}@rival.test`, {}, 'owner@rival.test')));
    for (const { response } of late) {
      expect(response.status).toBe(201);
      await stores.invitations.update(response.body.id, { expiresAt: new Date(Date.now() - 1000).toISOString() });
    }
    for (const n of ['seat9', 'seat10']) expect((await invite(`${n}@rival.test`, {}, 'owner@rival.test')).response.status).toBe(201);

    const resent = await Promise.all(late.map(({ response }) => rival.post(`/invitations/${response.body.id}/resend`)));
    expect(resent.filter((r) => r.status === 200).length).toBeLessThanOrEqual(1);
    for (const refused of resent.filter((r) => r.status !== 200)) expect(refused).toMatchObject({ status: 409, body: { code: 'user_limit_reached' } });
    const pending = (await rival.get<{ items: Invitation[] }>('/invitations')).body.items.filter((i) => !i.expired);
    expect(pending.length + 1).toBeLessThanOrEqual(5);
  });

  it('gives no password to an invitee of an organisation that went single sign-on only since the invitation', async () => {
    const owner = await world.as('owner@imgco.test');
    const { link } = await invite('stale@imgco.test', { loginMethods: ['password'] });
    expect((await owner.patch('/organization', { loginPolicy: { methods: ['google'] } })).status).toBe(200);
    try {
      const { browser, page } = await open(link!);
      expect(page.body).not.toContain('name="password"');
      const refused = await browser.submit(page, '/account/invitation', { name: 'Stale', password: 'a password in an sso org' });
      expect(isPage(refused) && refused.status).toBe(400);
      expect((await accept(link!, { name: 'Stale' })).status).toBe(200);
      expect((await stores.users.findByEmail('stale@imgco.test'))!.passwordHash).toBeNull();
    } finally {
      expect((await owner.patch('/organization', { loginPolicy: { methods: ['password'] } })).status).toBe(200);
    }
  });

  it('withdraws the invitation when its email cannot be sent, so nothing half-done remains', async () => {
    const owner = await world.as('owner@imgco.test');
    const port = world.smtp.port;
    await world.smtp.stop();
    try {
      const failed = await owner.post('/invitations', { email: 'unlucky@imgco.test' });
      expect(failed.status).toBe(503);
      expect(failed.body).toMatchObject({ code: 'mail_unavailable' });
      const pending = await owner.get<{ items: Invitation[] }>('/invitations');
      expect(pending.body.items.map((i) => i.email)).not.toContain('unlucky@imgco.test');
    } finally {
      await world.restartSmtp(port);
    }
    expect((await invite('unlucky@imgco.test')).response.status).toBe(201);
  });
});
