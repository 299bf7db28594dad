import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Catalog } from '../../directory/catalog.ts';
import { sendPage } from '../../http/pages.ts';
import { connectionPage, type ConnectionPage } from '../../../views/console/connection.ts';
import { connectionsPage, newConnectionPage, type NewConnectionDraft } from '../../../views/console/connections.ts';
import { confirmPage } from '../../../views/console/frame.ts';
import type { CreateConnectionInput } from '../connections/service.ts';
import type { ConnectionOperationDeps } from '../operations/connections.ts';
import { consoleRequest } from './context.ts';
import { field, fieldList, formErrors, type FormBody } from './form.ts';
import { redirectWithNotice } from './respond.ts';

export interface ConnectionRoutesDeps {
  connections: ConnectionOperationDeps;
  catalog: Catalog;
  now?: () => Date;
}

function draftOf(body: FormBody): NewConnectionDraft {
  const source = field(body, 'source');
  return {
    name: field(body, 'name'), source: source === 'url' || source === 'fields' ? source : 'xml',
    metadataXml: field(body, 'metadataXml'), metadataUrl: field(body, 'metadataUrl').trim(),
    idpEntityId: field(body, 'idpEntityId').trim(), ssoUrl: field(body, 'ssoUrl').trim(), certificate: field(body, 'certificate').trim(),
  };
}

function creation(draft: NewConnectionDraft): CreateConnectionInput {
  const base = { kind: 'saml' as const, name: draft.name };
  if (draft.source === 'url') return { ...base, metadataUrl: draft.metadataUrl };
  if (draft.source === 'fields') {
    return { ...base, settings: { idpEntityId: draft.idpEntityId, ssoUrl: draft.ssoUrl, idpCertificates: draft.certificate ? [draft.certificate] : [] } };
  }
  return { ...base, metadataXml: draft.metadataXml };
}

const FIELD_OF_SETTING: Record<string, string> = { idpEntityId: 'idpEntityId', ssoUrl: 'ssoUrl', idpCertificates: 'certificate' };
const SOURCE_FIELD = { xml: 'metadataXml', url: 'metadataUrl', fields: 'certificate' } as const;

/* SSO connections: add from metadata or fields, inspect, enable and disable, test, provisioning, delete. */
export function addConnectionRoutes(router: Router, deps: ConnectionRoutesDeps): void {
  const { connections } = deps.connections;
  const now = deps.now ?? (() => new Date());

  router.get('/connections', async (ctx) => {
    const { actor, view } = consoleRequest(ctx);
    sendPage(ctx, connectionsPage(view, await connections.list(actor)));
  });

  router.get('/connections/new', (ctx) => {
    const { view } = consoleRequest(ctx);
    sendPage(ctx, newConnectionPage(view, {}));
  });

  router.post('/connections', async (ctx) => {
    const { actor, view, t } = consoleRequest(ctx);
    const draft = draftOf(ctx.request.body as FormBody);
    try {
      const created = await connections.create(actor, creation(draft));
      return redirectWithNotice(ctx, `/console/connections/${created.id}`, 'connection.created');
    } catch (error) {
      const { fields, general } = formErrors(t, error, (path) => {
        const [head, sub] = path.split(/[.[]/);
        if (head === 'settings') return FIELD_OF_SETTING[sub ?? ''] ?? SOURCE_FIELD[draft.source];
        return ['name', 'metadataXml', 'metadataUrl'].includes(head ?? '') ? head : SOURCE_FIELD[draft.source];
      });
      // A refusal of the metadata itself (unparsable, unreachable) belongs to the field it came from.
      const errors = general ? { ...fields, [SOURCE_FIELD[draft.source]]: general } : fields;
      return sendPage(ctx, newConnectionPage(view, { draft, errors }), 400);
    }
  });

  async function render(ctx: Context, extra: Partial<ConnectionPage> = {}, status = 200) {
    const { actor, view } = consoleRequest(ctx);
    const connection = await connections.get(actor, ctx.params.connectionId!);
    sendPage(ctx, connectionPage(view, { connection, catalog: deps.catalog, now: now(), ...extra }), status);
  }

  router.get('/connections/:connectionId', (ctx) => render(ctx));

  router.post('/connections/:connectionId/enable', async (ctx) => {
    const { actor } = consoleRequest(ctx);
    await connections.update(actor, ctx.params.connectionId!, { enabled: true });
    redirectWithNotice(ctx, `/console/connections/${ctx.params.connectionId}`, 'connection.enabledNotice');
  });

  router.post('/connections/:connectionId/disable', async (ctx) => {
    const { actor } = consoleRequest(ctx);
    await connections.update(actor, ctx.params.connectionId!, { enabled: false });
    redirectWithNotice(ctx, `/console/connections/${ctx.params.connectionId}`, 'connection.disabledNotice');
  });

  router.post('/connections/:connectionId/test', async (ctx) => {
    const { actor } = consoleRequest(ctx);
    await connections.get(actor, ctx.params.connectionId!);
    await render(ctx, { testUrl: await deps.connections.testSignInUrl(actor, ctx.params.connectionId!) });
  });

  router.post('/connections/:connectionId/refresh', async (ctx) => {
    const { actor, t } = consoleRequest(ctx);
    try {
      await connections.refreshMetadata(actor, ctx.params.connectionId!);
    } catch (error) {
      const { general } = formErrors(t, error, () => undefined);
      return render(ctx, { ...(general ? { general } : {}) }, 400);
    }
    redirectWithNotice(ctx, `/console/connections/${ctx.params.connectionId}`, 'connection.refreshed');
  });

  router.post('/connections/:connectionId/jit', async (ctx) => {
    const { actor, t } = consoleRequest(ctx);
    const body = ctx.request.body as FormBody;
    try {
      await connections.update(actor, ctx.params.connectionId!, { jit: { enabled: field(body, 'jitEnabled') === 'on', defaultRoles: fieldList(body, 'defaultRoles') } });
    } catch (error) {
      const { fields, general } = formErrors(t, error);
      return render(ctx, { general: [general, ...Object.values(fields)].filter(Boolean).join('; ') }, 400);
    }
    redirectWithNotice(ctx, `/console/connections/${ctx.params.connectionId}`, 'connection.saved');
  });

  for (const step of ['disable', 'delete'] as const) {
    router.get(`/connections/:connectionId/${step}`, async (ctx) => {
      const { actor, view, t } = consoleRequest(ctx);
      const connection = await connections.get(actor, ctx.params.connectionId!);
      sendPage(ctx, confirmPage(view, 'connections', {
        question: t(step === 'disable' ? 'connection.disableConfirm' : 'connection.deleteConfirm', { name: connection.name }),
        action: `/console/connections/${connection.id}/${step}`,
        yes: t(step === 'disable' ? 'connection.disableYes' : 'connection.deleteYes'),
        cancel: `/console/connections/${connection.id}`,
      }));
    });
  }

  router.post('/connections/:connectionId/delete', async (ctx) => {
    const { actor } = consoleRequest(ctx);
    await connections.delete(actor, ctx.params.connectionId!);
    redirectWithNotice(ctx, '/console/connections', 'connection.deleted');
  });
}
