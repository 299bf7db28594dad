import { z } from 'zod';
import type { Actor } from '../../directory/actor.ts';
import { createConnectionSchema, updateConnectionSchema, type Connections } from '../connections/service.ts';
import { operation, type Operation } from '../route.ts';
import { id } from '../schemas.ts';

const params = z.strictObject({ connectionId: id.describe('Connection id.') });

const connectionView = z.object({
  id: z.string(),
  kind: z.enum(['saml', 'google']),
  name: z.string(),
  enabled: z.boolean(),
  settings: z.record(z.string(), z.unknown()).describe('Protocol settings (SAML: idpEntityId, ssoUrl, idpCertificates, metadataUrl, ...).'),
  certificates: z.array(z.union([
    z.object({ fingerprintSha256: z.string(), subject: z.string(), notBefore: z.string(), notAfter: z.string(), keyType: z.string(), keyBits: z.number().optional() }),
    z.object({ error: z.string() }),
  ])).describe('The IdP certificates: SHA-256 fingerprint, subject, validity (notAfter), key.'),
  sp: z.object({ spEntityId: z.string(), acsUrl: z.string(), metadataUrl: z.string() }).describe('What to enter at the IdP, or its metadata URL to import.'),
  mapping: z.record(z.string(), z.unknown()).describe('Attribute names and group/role rules.'),
  jit: z.object({ enabled: z.boolean(), defaultRoles: z.array(z.string()) }),
  createdAt: z.string(),
  updatedAt: z.string(),
}).describe('An SSO connection of the organisation.');

export interface ConnectionOperationDeps {
  connections: Connections;
  /** A one-time URL that runs a test sign-in through the connection in the admin's browser. */
  testSignInUrl(actor: Actor, connectionId: string): Promise<string>;
}

/* SSO connections (security:manage): register the organisation's SAML IdP, try it, enable it, keep it current. */
export function connectionOperations(deps: ConnectionOperationDeps): Operation[] {
  const { connections } = deps;
  return [
    operation({
      method: 'get', path: '/connections', operationId: 'listConnections', tag: 'SSO connections',
      summary: 'The organisation\'s SSO connections.',
      response: z.object({ items: z.array(connectionView) }),
      handle: async ({ actor }) => ({ items: await connections.list(actor) }),
    }),
    operation({
      method: 'post', path: '/connections', operationId: 'createConnection', tag: 'SSO connections',
      summary: 'Register a SAML IdP from its metadata XML, its metadata URL, or its fields. It starts disabled.',
      body: createConnectionSchema, status: 201, response: connectionView,
      handle: ({ actor, body }) => connections.create(actor, body),
    }),
    operation({
      method: 'get', path: '/connections/{connectionId}', operationId: 'getConnection', tag: 'SSO connections',
      summary: 'One connection, with the SP endpoints and the IdP certificates\' expiry.',
      params, response: connectionView,
      handle: ({ actor, params: p }) => connections.get(actor, p.connectionId),
    }),
    operation({
      method: 'patch', path: '/connections/{connectionId}', operationId: 'updateConnection', tag: 'SSO connections',
      summary: 'Enable or disable a connection, or change its settings, mapping or provisioning.',
      params, body: updateConnectionSchema, response: connectionView,
      handle: ({ actor, params: p, body }) => connections.update(actor, p.connectionId, body),
    }),
    operation({
      method: 'delete', path: '/connections/{connectionId}', operationId: 'deleteConnection', tag: 'SSO connections',
      summary: 'Delete a connection; its members keep their accounts.',
      params, status: 204,
      handle: ({ actor, params: p }) => connections.delete(actor, p.connectionId),
    }),
    operation({
      method: 'post', path: '/connections/{connectionId}/refresh-metadata', operationId: 'refreshConnectionMetadata', tag: 'SSO connections',
      summary: 'Fetch the IdP\'s metadata URL now and take over its certificates.',
      params, response: connectionView, errors: [409],
      handle: ({ actor, params: p }) => connections.refreshMetadata(actor, p.connectionId),
    }),
    operation({
      method: 'post', path: '/connections/{connectionId}/test-sign-in', operationId: 'testConnection', tag: 'SSO connections',
      summary: 'A one-time link (10 minutes) to open in a browser: sign in at the IdP and see the identity and mapped claims. Works while disabled.',
      params, status: 201, response: z.object({ url: z.string() }),
      handle: async ({ actor, params: p }) => {
        await connections.get(actor, p.connectionId);
        return { url: await deps.testSignInUrl(actor, p.connectionId) };
      },
    }),
  ];
}
