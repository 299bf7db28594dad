import { describe, expect, it } from 'vitest';
import { AUDIT_READ_PERMISSION, recordAudit } from '../../../src/directory/audit.ts';
import { createWorld, expectCode, roles } from './world.ts';

describe('audit events', () => {
  it('record actor, organisation, target, outcome, request id and IP, and never secrets', async () => {
    const w = await createWorld();
    const org = await w.org();
    const { actor } = await w.actor(org, roles('account-admin'));
    const event = await recordAudit(w.stores, actor, 'member.updated', {
      target: 'user:u1',
      details: { changed: ['roles'], password: 'p', newPassword: 'p', token: 't', resetToken: 't', secret: 's', secretHash: 'h', code: '123456', nested: { apiToken: 'x', kept: 1 } },
    });
    expect(event).toMatchObject({ orgId: org.id, actor: `user:${actor.id}`, action: 'member.updated', target: 'user:u1', outcome: 'success', requestId: 'req-1', ip: '203.0.113.7' });
    expect(event.details).toEqual({ changed: ['roles'], nested: { kept: 1 } });
  });

  it(`are listed with ${AUDIT_READ_PERMISSION}, filtered, for the actor's organisation only`, async () => {
    const w = await createWorld();
    const [org, other] = [await w.org(), await w.org()];
    const { actor } = await w.actor(org, roles('account-admin'));
    const { actor: foreign } = await w.actor(other, roles('account-admin'));
    const { user } = await w.member(org);
    await w.directory.members.suspend(actor, user.id);
    w.advance(60_000);
    const since = w.now().toISOString();
    await w.directory.members.reactivate(actor, user.id);
    await w.directory.members.suspend(foreign, user.id).catch(() => undefined);
    const { actor: developer } = await w.actor(org, roles('developer'));
    await w.directory.members.remove(developer, user.id).catch(() => undefined);

    const all = await w.directory.audit.list(actor);
    expect(all.items.map((e) => [e.action, e.outcome])).toEqual([['member.suspended', 'success'], ['member.reactivated', 'success'], ['member.removed', 'failure']]);
    expect((await w.directory.audit.list(actor, { since })).items).toHaveLength(2);
    expect((await w.directory.audit.list(actor, { until: since })).items).toHaveLength(1);
    expect((await w.directory.audit.list(actor, { outcome: 'failure' })).items[0]).toMatchObject({ actor: `user:${developer.id}`, details: { reason: 'forbidden' } });
    expect((await w.directory.audit.list(actor, { action: 'member.reactivated' })).items).toHaveLength(1);
    expect((await w.directory.audit.list(actor, { actor: `user:${developer.id}` })).items).toHaveLength(1);
    const paged = await w.directory.audit.list(actor, { limit: 2 });
    expect((await w.directory.audit.list(actor, { limit: 2, cursor: paged.next! })).items).toHaveLength(1);
    expect((await w.directory.audit.list(foreign)).items).toEqual([]);
  });

  it('refuses readers without the permission, and bad filters by name', async () => {
    const w = await createWorld();
    const org = await w.org();
    const { actor: developer } = await w.actor(org, roles('developer'));
    await expectCode(w.directory.audit.list(developer), 'forbidden', 403);
    const { actor } = await w.actor(org, roles('owner'));
    const error = await expectCode(w.directory.audit.list(actor, { since: 'yesterday' }), 'invalid_request', 400);
    expect(error).toMatchObject({ details: [{ path: 'since' }] });
  });
});
