import { normalizeEmail, normalizeName } from '../../common/normalize.ts';
import type { Catalog } from '../../directory/catalog.ts';
import { OWNER_ROLE } from '../../directory/access.ts';
import { NOT_BY_CONNECTION } from '../../directory/mapping-rules.ts';
import { connectionProblems } from '../../federation/connection-config.ts';
import type { Problem } from '../../common/problems.ts';
import { bindingProblems } from '../../directory/permissions.ts';
import type { Client } from '../../oidc/model.ts';
import type { Stores } from '../../store/stores.ts';
import { clientAuthMethod, organizationDraft, toBindings } from './drafts.ts';
import { indexEntries, orgScopedKey, type AddProblem, type ClientEntry } from './entries.ts';
import { checkLimits } from './limits.ts';
import type { BootstrapDocument, RoleBindingEntry } from './schema.ts';
import type { World } from './world.ts';

/*
 * Everything that would make the import fail or break a rule, against the file and the store, before any write:
 * - no two entries of a list share a natural key; no domain is listed twice or verified by another organisation
 * - every organisation, user and group referred to is in the file or already stored
 * - roles exist in the catalog, limited to resources where they must be and only to types they accept
 * - membership login methods are allowed by the organisation's login policy (as it will be after the import)
 * - a user gives password or passwordHash, not both; a client's secret and grants fit its authentication method
 * - plan caps (limits.ts), checked only when nothing else is wrong
 */

export interface CheckDeps {
  stores: Stores;
  catalog: Catalog;
}

export async function checkReferences(deps: CheckDeps, doc: BootstrapDocument, world: World): Promise<Problem[]> {
  const problems: Problem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });
  const orgs = indexEntries(doc.organizations, 'organizations', (o) => normalizeName(o.slug), 'slug', add);
  const users = indexEntries(doc.users, 'users', (u) => normalizeEmail(u.email), 'email', add);
  const groups = indexEntries(doc.groups, 'groups', (g) => orgScopedKey(g.org, g.name), 'name', add);
  const memberships = indexEntries(doc.memberships, 'memberships', (m) => `${normalizeName(m.org)}/${normalizeEmail(m.user)}`, 'user', add);
  indexEntries(doc.clients, 'clients', (c) => c.clientId, 'clientId', add);
  indexEntries(doc.connections, 'connections', (c) => orgScopedKey(c.org, c.name), 'name', add);
  const checkRoles = (bindings: readonly RoleBindingEntry[] | undefined, path: string) => {
    for (const p of bindingProblems(deps.catalog, toBindings(bindings ?? []))) add(`${path}${p.path}`, p.message);
  };
  /** The organisation as it will be after the import, or undefined (reported) when neither file nor store has it. */
  const organization = async (slug: string, path: string) => {
    const stored = await world.organization(slug);
    const entry = orgs.get(normalizeName(slug))?.entry;
    if (!entry && !stored) add(path, `unknown organization "${slug}"`);
    return entry ? organizationDraft(entry, stored) : stored;
  };

  const verifiedBy = new Map<string, string>();
  for (const [i, org] of (doc.organizations ?? []).entries()) {
    for (const [k, { domain, verified }] of (org.domains ?? []).entries()) {
      const path = `organizations[${i}].domains[${k}].domain`;
      if (org.domains?.findIndex((d) => d.domain === domain) !== k) add(path, `"${domain}" is listed twice`);
      if (!verified) continue;
      const holder = verifiedBy.get(domain) ?? (await deps.stores.organizations.findByVerifiedDomain(domain))?.slug;
      if (holder !== undefined && normalizeName(holder) !== normalizeName(org.slug)) add(path, `"${domain}" is already verified by organization "${holder}"`);
      verifiedBy.set(domain, org.slug);
    }
  }
  for (const [i, user] of (doc.users ?? []).entries()) {
    if (user.password !== undefined && user.passwordHash !== undefined) add(`users[${i}]`, 'give either password or passwordHash, not both');
  }
  for (const [i, group] of (doc.groups ?? []).entries()) {
    await organization(group.org, `groups[${i}].org`);
    checkRoles(group.roles, `groups[${i}].roles`);
  }
  for (const [i, m] of (doc.memberships ?? []).entries()) {
    const org = await organization(m.org, `memberships[${i}].org`);
    if (!users.has(normalizeEmail(m.user)) && !(await world.user(m.user))) add(`memberships[${i}].user`, `unknown user "${m.user}"`);
    for (const [k, name] of (m.groups ?? []).entries()) {
      if (org && !groups.has(orgScopedKey(m.org, name)) && !(await world.group(m.org, name))) {
        add(`memberships[${i}].groups[${k}]`, `unknown group "${name}" in organization "${m.org}"`);
      }
    }
    checkRoles(m.roles, `memberships[${i}].roles`);
    for (const [k, method] of (m.loginMethods ?? []).entries()) {
      if (org && !org.loginPolicy.methods.includes(method)) add(`memberships[${i}].loginMethods[${k}]`, `"${method}" is not allowed by organization "${m.org}"`);
    }
  }
  for (const [i, client] of (doc.clients ?? []).entries()) {
    for (const [k, slug] of (client.allowedOrganizations ?? []).entries()) await organization(slug, `clients[${i}].allowedOrganizations[${k}]`);
    checkClientCredentials(client, await world.client(client.clientId), `clients[${i}]`, add);
  }
  for (const [i, connection] of (doc.connections ?? []).entries()) {
    await organization(connection.org, `connections[${i}].org`);
    checkRoles(connection.jit?.defaultRoles, `connections[${i}].jit.defaultRoles`);
    for (const [k, role] of (connection.jit?.defaultRoles ?? []).entries()) {
      if (role === OWNER_ROLE) add(`connections[${i}].jit.defaultRoles[${k}]`, NOT_BY_CONNECTION);
    }
    if (connection.settings !== undefined || connection.mapping !== undefined) {
      for (const problem of connectionProblems(connection.kind, connection.settings ?? {}, connection.mapping ?? {})) {
        if (connection.settings === undefined && problem.path.startsWith('settings')) continue;
        add(`connections[${i}].${problem.path}`, problem.message);
      }
    }
  }
  if (problems.length === 0) await checkLimits(deps.stores, world, orgs, memberships, groups, add);
  return problems;
}

function checkClientCredentials(client: ClientEntry, stored: Client | undefined, path: string, add: AddProblem): void {
  const method = clientAuthMethod(client, stored);
  const grants = client.grantTypes ?? stored?.grantTypes ?? ['authorization_code'];
  if (method === 'none' || method === 'private_key_jwt') {
    if (client.clientSecret !== undefined) add(`${path}.clientSecret`, `a client authenticating with "${method}" has no secret`);
    if (method === 'none' && grants.includes('client_credentials')) {
      add(`${path}.grantTypes`, 'a public client (tokenEndpointAuthMethod "none") cannot use client_credentials');
    }
  } else if (client.clientSecret === undefined && !stored?.clientSecretHash) {
    add(`${path}.clientSecret`, `required for tokenEndpointAuthMethod "${method}"`);
  }
  if (grants.includes('authorization_code') && client.redirectUris.length === 0) {
    add(`${path}.redirectUris`, 'the authorization_code grant needs at least one redirect URI');
  }
}
