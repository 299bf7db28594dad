import type Router from '@koa/router';
import { NotFoundError } from '../../common/errors.ts';
import type { Context } from 'koa';
import type { DomainVerification } from '../../directory/domain-verification.ts';
import type { OrganizationSettings } from '../../directory/organization-settings.ts';
import { sendPage } from '../../http/pages.ts';
import { organizationPage, type OrganizationPage } from '../../../views/console/organization.ts';
import { consoleRequest } from './context.ts';
import { field, fieldList, formErrors, splitList, type FormBody } from './form.ts';
import { redirectWithNotice } from './respond.ts';

export interface OrganizationRoutesDeps {
  settings: OrganizationSettings;
  /** Absent when no DNS resolver is wired: domains are then verified by the operator (CLI, bootstrap). */
  domains?: DomainVerification;
}

/* The organisation's settings page: whoever may change a part gets its fields; the service decides again. */
export function addOrganizationRoutes(router: Router, deps: OrganizationRoutesDeps): void {
  const domains = () => {
    if (!deps.domains) throw new NotFoundError('domain verification');
    return deps.domains;
  };

  async function render(ctx: Context, extra: Partial<OrganizationPage> = {}, status = 200) {
    const { actor, view } = consoleRequest(ctx);
    const org = await deps.settings.get(actor);
    sendPage(ctx, organizationPage(view, {
      org,
      canRename: actor.permissions.has('organization:manage'),
      canManageSecurity: actor.permissions.has('security:manage'),
      domainVerification: Boolean(deps.domains),
      ...extra,
    }), status);
  }

  router.get('/organization', (ctx) => render(ctx));

  router.post('/organization', async (ctx) => {
    const { actor, t } = consoleRequest(ctx);
    const body = ctx.request.body as FormBody;
    const draft = {
      name: field(body, 'name'), methods: fieldList(body, 'methods'), ownerPasswordFallback: field(body, 'ownerPasswordFallback') === 'on',
      googleHostedDomains: field(body, 'googleHostedDomains'), mfaPolicy: field(body, 'mfaPolicy'), domains: field(body, 'domains'),
    };
    const security = actor.permissions.has('security:manage');
    const change = {
      ...(actor.permissions.has('organization:manage') ? { name: draft.name } : {}),
      ...(security ? {
        loginPolicy: { methods: draft.methods, ownerPasswordFallback: draft.ownerPasswordFallback, googleHostedDomains: splitList(draft.googleHostedDomains) },
        mfaPolicy: draft.mfaPolicy,
        domains: splitList(draft.domains),
      } : {}),
    };
    try {
      await deps.settings.update(actor, change);
    } catch (error) {
      const { fields, general } = formErrors(t, error, (path) => {
        if (path.startsWith('loginPolicy.')) return path.split('.')[1]!.split('[')[0];
        return path.split(/[.[]/)[0];
      });
      return render(ctx, { draft, errors: fields, ...(general ? { general } : {}) }, 400);
    }
    redirectWithNotice(ctx, '/console/organization', 'org.saved');
  });

  router.post('/organization/domains/:domain/record', async (ctx) => {
    const { actor, t } = consoleRequest(ctx);
    try {
      const challenge = await domains().issueToken({ id: actor.orgId }, ctx.params.domain!, actor);
      return render(ctx, { challenge });
    } catch (error) {
      const { general } = formErrors(t, error, () => undefined);
      return render(ctx, { ...(general ? { general } : {}) }, 400);
    }
  });

  router.post('/organization/domains/:domain/verify', async (ctx) => {
    const { actor, t } = consoleRequest(ctx);
    try {
      await domains().verify(actor, actor.orgId, ctx.params.domain!);
    } catch (error) {
      const { general } = formErrors(t, error, () => undefined);
      return render(ctx, { ...(general ? { general } : {}) }, 400);
    }
    redirectWithNotice(ctx, '/console/organization', 'org.domainVerified');
  });
}
