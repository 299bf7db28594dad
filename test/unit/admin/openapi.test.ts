import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Validator } from '@seriousme/openapi-schema-validator';
import Koa from 'koa';
import { describe, expect, it } from 'vitest';
import { createAdminApi } from '../../../src/admin/index.ts';
import { defaultCatalog } from '../../../src/directory/default-catalog.ts';
import type { Directory } from '../../../src/directory/directory.ts';
import type { OrganizationSettings } from '../../../src/directory/organization-settings.ts';
import type { AdminAuthDeps } from '../../../src/admin/authenticate.ts';
import type { Connections } from '../../../src/admin/connections/service.ts';
import type { DomainVerification } from '../../../src/directory/domain-verification.ts';

/*
 * The OpenAPI document is generated from the same operation list the router serves: it must be a valid OpenAPI
 * 3.1 document (checked by an independent validator) and name every route the router answers, with its method.
 */

function buildRouter() {
  // The services are only called by requests; building the router and its document needs none of them.
  return createAdminApi({
    directory: {} as Directory,
    settings: {} as OrganizationSettings,
    catalog: defaultCatalog,
    mail: { sendInvitation: async () => {} },
    rateLimits: { consume: async () => ({ remaining: 1 }) },
    connections: { connections: {} as Connections, testSignInUrl: async () => '' },
    domains: {} as DomainVerification,
    auth: {} as Omit<AdminAuthDeps, 'authenticateApiKey' | 'buildActor'>,
    serverUrl: 'https://login.example.com',
    version: '1.2.3',
  });
}

async function servedDocument(): Promise<Record<string, unknown>> {
  const app = new Koa();
  app.use(buildRouter().routes());
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/admin/v1/openapi.json`);
    expect(response.status).toBe(200);
    return await response.json() as Record<string, unknown>;
  } finally {
    server.close();
  }
}

describe('the admin API\'s OpenAPI document', () => {
  it('is valid OpenAPI 3.1', async () => {
    const document = await servedDocument();
    const validator = new Validator();
    const result = await validator.validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(document).toMatchObject({ openapi: '3.1.0', info: { version: '1.2.3' }, servers: [{ url: 'https://login.example.com/admin/v1' }] });
  });

  it('covers every route the router serves, with its method, and nothing it does not serve', async () => {
    const document = await servedDocument() as { paths: Record<string, Record<string, { operationId: string }>> };
    const served = buildRouter().stack
      .filter((layer) => !String(layer.path).endsWith('/openapi.json'))
      .flatMap((layer) => layer.methods.filter((m) => m !== 'HEAD').map((m) => `${m.toLowerCase()} ${String(layer.path).replace(/^\/admin\/v1/, '').replace(/:(\w+)/g, '{$1}')}`));
    const documented = Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m} ${path}`));
    expect(served.length).toBeGreaterThan(20);
    expect(documented.sort()).toEqual([...new Set(served)].sort());
    const ids = Object.values(document.paths).flatMap((methods) => Object.values(methods).map((op) => op.operationId));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('documents request bodies and error responses', async () => {
    const document = await servedDocument() as { paths: Record<string, Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>> };
    const invite = document.paths['/invitations']!.post!;
    expect(invite.requestBody).toMatchObject({ content: { 'application/json': { schema: { properties: { email: expect.any(Object) } } } } });
    expect(Object.keys(invite.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '403', '409']));
    expect(Object.keys(document.paths['/members/{userId}']!.get!.responses)).toContain('404');
  });
});
