import { z } from 'zod';
import { AppError, ValidationError } from '../../common/errors.ts';
import type { Actor } from '../../directory/actor.ts';
import { assertCanGrant, findInOrganization, holdsOwnerRole, OWNER_ROLE, requirePermission } from '../../directory/access.ts';
import { audited } from '../../directory/audit.ts';
import type { Catalog } from '../../directory/catalog.ts';
import { NOT_BY_CONNECTION, parseMappingRules } from '../../directory/mapping-rules.ts';
import type { AuditLog, GroupStore } from '../../directory/ports.ts';
import { parseInput } from '../../directory/input.ts';
import { assertValidConnection } from '../../federation/connection-config.ts';
import type { Connection } from '../../federation/model.ts';
import type { ConnectionStore } from '../../federation/ports.ts';
import { describeCertificate, type CertificateSummary } from '../../federation/saml/certificates.ts';
import type { SpEndpoints } from '../../federation/saml/endpoints.ts';
import { parseIdpMetadata, settingsFromMetadata } from '../../federation/saml/metadata.ts';

/*
 * An organisation's SSO connections, as its admins manage them (`security:manage`):
 * - a SAML connection is registered from the IdP's metadata (XML pasted, or a URL fetched safely), or from its
 *   fields; it starts disabled, so that the admin can try it with a test sign-in before members depend on it
 * - settings, attribute names and mapping rules are validated together before anything is stored
 * - a metadata URL is fetched again on demand and on a schedule (metadata-refresh.ts): new certificates are
 *   taken over without an admin, so an IdP key rollover causes no downtime
 */

const name = z.string().trim().min(1).max(200);
const samlOptions = {
  signAuthnRequests: z.boolean().optional(),
  decryptAssertions: z.boolean().optional(),
  allowIdpInitiated: z.boolean().optional(),
  allowSha1: z.boolean().optional(),
  clockSkewSeconds: z.number().int().min(0).max(300).optional(),
  nameIdFormat: z.string().min(1).max(256).optional(),
  spEntityId: z.string().min(1).max(1024).optional(),
};
const jit = z.strictObject({
  enabled: z.boolean().describe('Create accounts and memberships for people the IdP vouches for (within the user cap).'),
  defaultRoles: z.array(z.string().min(1).max(64).refine((role) => role !== OWNER_ROLE, { message: NOT_BY_CONNECTION })).max(20).default([])
    .describe('Roles of members created this way (never `owner`).'),
});

export const createConnectionSchema = z.strictObject({
  kind: z.literal('saml'),
  name: name.describe('Shown to admins, e.g. "Okta".'),
  metadataXml: z.string().min(1).max(1024 * 1024).optional().describe('The IdP\'s metadata document.'),
  metadataUrl: z.url().max(2048).optional().describe('Where the IdP publishes its metadata (https); refreshed periodically.'),
  settings: z.record(z.string(), z.unknown()).optional().describe('Fields (idpEntityId, ssoUrl, idpCertificates, ...) instead of, or on top of, metadata.'),
  ...samlOptions,
  mapping: z.record(z.string(), z.unknown()).default({}).describe('Attribute names (`preset`, `attributes`) and `rules`.'),
  jit: jit.default({ enabled: false, defaultRoles: [] }),
}).refine((input) => [input.metadataXml, input.metadataUrl, input.settings].some((v) => v !== undefined), {
  message: 'give metadataXml, metadataUrl or settings', path: ['metadataXml'],
}).describe('A new SAML connection; it starts disabled.');

export const updateConnectionSchema = z.strictObject({
  name: name.optional(),
  enabled: z.boolean().optional().describe('Whether members may sign in through it.'),
  settings: z.record(z.string(), z.unknown()).optional().describe('Fields to change; the others stay.'),
  mapping: z.record(z.string(), z.unknown()).optional().describe('Replaces the attribute names and rules.'),
  jit: jit.optional(),
});

export type CreateConnectionInput = z.input<typeof createConnectionSchema>;
export type UpdateConnectionInput = z.input<typeof updateConnectionSchema>;

export interface ConnectionView {
  id: string;
  kind: Connection['kind'];
  name: string;
  enabled: boolean;
  settings: Record<string, unknown>;
  certificates: (CertificateSummary | { error: string })[];
  sp: SpEndpoints;
  mapping: Record<string, unknown>;
  jit: Connection['jit'];
  createdAt: string;
  updatedAt: string;
}

export interface ConnectionsDeps {
  stores: { connections: ConnectionStore; groups: Pick<GroupStore, 'findByName'>; audit: AuditLog };
  catalog: Catalog;
  spEndpoints(connection: Connection): SpEndpoints;
  /** Fetches IdP metadata with the SSRF rules of metadata-fetch.ts. */
  fetchMetadata(url: string): Promise<string>;
}

function certificatesOf(settings: Record<string, unknown>): ConnectionView['certificates'] {
  const pems = Array.isArray(settings.idpCertificates) ? settings.idpCertificates as string[] : [];
  return pems.map((pem) => {
    try {
      return describeCertificate(pem);
    } catch (error) {
      return { error: (error as Error).message };
    }
  });
}

/** The settings that say which IdP a connection trusts. */
const IDP_IDENTITY = ['idpEntityId', 'ssoUrl', 'idpCertificates'];

/** Who says which IdP a connection is: an admin's bindings, or nothing for the operator. */
function settingsBy(actor: Actor): Pick<Connection, 'settingsBy'> {
  return actor.kind === 'system' ? { settingsBy: undefined } : { settingsBy: { bindings: [...actor.bindings] } };
}

export function createConnections(deps: ConnectionsDeps) {
  const { stores } = deps;

  function view(connection: Connection): ConnectionView {
    return {
      id: connection.id, kind: connection.kind, name: connection.name, enabled: connection.enabled,
      settings: connection.settings, certificates: certificatesOf(connection.settings), sp: deps.spEndpoints(connection),
      mapping: connection.mapping, jit: connection.jit, createdAt: connection.createdAt, updatedAt: connection.updatedAt,
    };
  }

  async function fromMetadata(xml: string, metadataUrl: string | undefined) {
    return { ...settingsFromMetadata(parseIdpMetadata(xml)), ...(metadataUrl ? { metadataUrl } : {}) };
  }

  /*
   * What a connection gives the people it signs in (its default roles, its rules' roles and the roles of the
   * groups its rules name) is granted by whoever sets it: nothing the admin does not hold, as anywhere else, and
   * never the owner role, which only an owner gives, directly. Sign-in applies the rules without asking again.
   */
  async function assertGrantable(actor: Actor, mapping: Record<string, unknown>, jit: Connection['jit']): Promise<void> {
    const rules = parseMappingRules(mapping.rules); // their roles are never `owner` (mapping-rules.ts), nor are jit's
    const groups = await Promise.all(rules.map(async (rule) => Promise.all(rule.groups.map((groupName) => stores.groups.findByName(actor.orgId, groupName)))));
    const owners = rules.flatMap((rule, i) => rule.groups.flatMap((groupName, k) => (holdsOwnerRole(groups[i]![k]?.roles ?? []) ? [`mapping.rules[${i}].groups[${k}]`] : [])));
    if (owners.length > 0) {
      throw new ValidationError('A connection cannot make anyone an owner', owners.map((path) => ({ path, message: `a group holding the owner role: ${NOT_BY_CONNECTION}` })));
    }
    assertCanGrant(deps.catalog, actor, jit.defaultRoles.map((role) => ({ role })), 'jit.defaultRoles');
    assertCanGrant(deps.catalog, actor, rules.flatMap((rule) => rule.roles), 'mapping.rules');
    assertCanGrant(deps.catalog, actor, groups.flat().flatMap((g) => g?.roles ?? []), 'mapping.rules');
  }

  async function manageable(actor: Actor, id: string): Promise<Connection> {
    requirePermission(actor, 'security:manage');
    return findInOrganization(stores.connections, id, actor.orgId, 'connection');
  }

  return {
    async list(actor: Actor): Promise<ConnectionView[]> {
      requirePermission(actor, 'security:manage');
      return (await stores.connections.list({ where: { orgId: actor.orgId }, limit: 100 })).items.map(view);
    },

    get: async (actor: Actor, id: string) => view(await manageable(actor, id)),

    create(actor: Actor, input: CreateConnectionInput): Promise<ConnectionView> {
      return audited(stores, actor, 'connection.created', null, async () => {
        requirePermission(actor, 'security:manage');
        const request = parseInput(createConnectionSchema, input);
        const xml = request.metadataXml ?? (request.metadataUrl ? await deps.fetchMetadata(request.metadataUrl) : undefined);
        const fromXml = xml ? await fromMetadata(xml, request.metadataUrl) : {};
        const options = Object.fromEntries(Object.entries(request).filter(([key, value]) => key in samlOptions && value !== undefined));
        const settings = { ...fromXml, ...request.settings, ...options };
        assertValidConnection('saml', settings, request.mapping);
        await assertGrantable(actor, request.mapping, request.jit);
        const created = await stores.connections.create({
          orgId: actor.orgId, kind: 'saml', name: request.name, enabled: false, settings, mapping: request.mapping, jit: request.jit, ...settingsBy(actor),
        });
        return { result: view(created), target: `connection:${created.id}`, details: { name: created.name, source: request.metadataXml ? 'metadata' : request.metadataUrl ? 'metadata_url' : 'fields' } };
      });
    },

    update(actor: Actor, id: string, input: UpdateConnectionInput): Promise<ConnectionView> {
      return audited(stores, actor, 'connection.updated', `connection:${id}`, async () => {
        const current = await manageable(actor, id);
        const change = parseInput(updateConnectionSchema, input);
        // Who the IdP is, set by hand, replaces what a metadata URL said: that URL is no longer followed (unless
        // the same change gives one), so that an earlier admin's URL cannot bring their own IdP back.
        const byHand = change.settings !== undefined && IDP_IDENTITY.some((key) => key in change.settings!) && !('metadataUrl' in change.settings);
        const merged = change.settings ? { ...current.settings, ...change.settings } : current.settings;
        const settings = byHand ? Object.fromEntries(Object.entries(merged).filter(([key]) => key !== 'metadataUrl')) : merged;
        const mapping = change.mapping ?? current.mapping;
        // Which assertion attribute is the email also says whom the IdP vouches for.
        const vouching = (m: Record<string, unknown>) => JSON.stringify([m.preset ?? null, m.attributes ?? null]);
        const saysWhoAnew = change.settings !== undefined || (change.mapping !== undefined && vouching(change.mapping) !== vouching(current.mapping));
        assertValidConnection(current.kind, settings, mapping);
        // Enabling a connection puts its rules to work: its grants are the enabler's too.
        if (change.mapping || change.jit || change.enabled === true) await assertGrantable(actor, mapping, change.jit ?? current.jit);
        const updated = await stores.connections.update(current.id, {
          ...(change.name !== undefined ? { name: change.name } : {}),
          ...(change.enabled !== undefined ? { enabled: change.enabled } : {}),
          ...(change.jit ? { jit: change.jit } : {}),
          ...(saysWhoAnew ? settingsBy(actor) : {}),
          settings, mapping,
        });
        return { result: view(updated), details: { changed: Object.keys(change) } };
      });
    },

    delete(actor: Actor, id: string): Promise<void> {
      return audited(stores, actor, 'connection.deleted', `connection:${id}`, async () => {
        const current = await manageable(actor, id);
        await stores.connections.delete(current.id);
        return { result: undefined, details: { name: current.name } };
      });
    },

    /** Fetches the metadata URL again and takes over its certificates and SSO URL. */
    refreshMetadata(actor: Actor, id: string): Promise<ConnectionView> {
      return audited(stores, actor, 'connection.metadata_refreshed', `connection:${id}`, async () => {
        const current = await manageable(actor, id);
        const url = current.settings.metadataUrl;
        if (typeof url !== 'string') throw new AppError(409, 'no_metadata_url', 'This connection has no metadata URL to refresh from');
        const updated = await refreshFromUrl(deps, current, url);
        return { result: view(updated), details: { certificates: certificatesOf(updated.settings).map((c) => ('fingerprintSha256' in c ? c.fingerprintSha256 : c.error)) } };
      });
    },
  };
}

/** The connection with the certificates and SSO URL its metadata publishes now (unchanged when they are the same). */
export async function refreshFromUrl(deps: Pick<ConnectionsDeps, 'stores' | 'fetchMetadata'>, connection: Connection, url: string): Promise<Connection> {
  const fresh = settingsFromMetadata(parseIdpMetadata(await deps.fetchMetadata(url), { entityId: String(connection.settings.idpEntityId ?? '') || undefined }));
  const settings = { ...connection.settings, idpCertificates: fresh.idpCertificates, ssoUrl: fresh.ssoUrl };
  if (JSON.stringify(settings) === JSON.stringify(connection.settings)) return connection;
  assertValidConnection(connection.kind, settings, connection.mapping);
  // Only onto the connection as it was fetched for: an admin who has since changed its IdP or its URL decides.
  return deps.stores.connections.update(connection.id, (current) => (
    current.settings.metadataUrl === url && current.settings.idpEntityId === connection.settings.idpEntityId
      ? { settings: { ...current.settings, idpCertificates: fresh.idpCertificates, ssoUrl: fresh.ssoUrl } }
      : {}));
}

export type Connections = ReturnType<typeof createConnections>;
