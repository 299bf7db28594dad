import type Router from '@koa/router';
import type { Context } from 'koa';
import { NotFoundError } from '../../common/errors.ts';
import type { ApiKeysService } from '../../directory/api-keys.ts';
import type { Catalog } from '../../directory/catalog.ts';
import { sendPage } from '../../http/pages.ts';
import { apiKeysPage, type ApiKeysPage } from '../../../views/console/api-keys.ts';
import { confirmPage } from '../../../views/console/frame.ts';
import { consoleRequest } from './context.ts';
import { field, fieldList, formErrors, type FormBody } from './form.ts';
import { redirectWithNotice } from './respond.ts';

/* API keys, owner only (the service refuses anyone else): the new key's secret is on the creation response only. */
export function addApiKeyRoutes(router: Router, deps: { apiKeys: ApiKeysService; catalog: Catalog }): void {
  const { apiKeys } = deps;

  async function render(ctx: Context, extra: Partial<ApiKeysPage> = {}, status = 200) {
    const { actor, view } = consoleRequest(ctx);
    sendPage(ctx, apiKeysPage(view, { keys: (await apiKeys.list(actor, { limit: 200 })).items, catalog: deps.catalog, ...extra }), status);
  }

  router.get('/api-keys', (ctx) => render(ctx));

  router.post('/api-keys', async (ctx) => {
    const { actor, t } = consoleRequest(ctx);
    const body = ctx.request.body as FormBody;
    const draft = { name: field(body, 'name'), roles: fieldList(body, 'roles') };
    try {
      const created = await apiKeys.create(actor, { name: draft.name, roles: draft.roles.map((role) => ({ role })) });
      return render(ctx, { created: created.key }, 201);
    } catch (error) {
      const { fields, general } = formErrors(t, error);
      return render(ctx, { draft, errors: fields, ...(general ? { general } : {}) }, 400);
    }
  });

  router.get('/api-keys/:apiKeyId/revoke', async (ctx) => {
    const { actor, view, t } = consoleRequest(ctx);
    const key = (await apiKeys.list(actor, { limit: 200 })).items.find((k) => k.id === ctx.params.apiKeyId);
    if (!key) throw new NotFoundError('API key');
    sendPage(ctx, confirmPage(view, 'apiKeys', {
      question: t('apiKeys.revokeConfirm', { name: key.name }), action: `/console/api-keys/${key.id}/revoke`, yes: t('apiKeys.revokeYes'), cancel: '/console/api-keys',
    }));
  });

  router.post('/api-keys/:apiKeyId/revoke', async (ctx) => {
    const { actor } = consoleRequest(ctx);
    await apiKeys.revoke(actor, ctx.params.apiKeyId!);
    redirectWithNotice(ctx, '/console/api-keys', 'apiKeys.revoked');
  });
}
