import type { Organization } from '../directory/model.ts';
import type { Stores } from '../store/stores.ts';

/** The organisation an `organization` request parameter names: its slug, or its id. */
export async function organizationNamed(
  organizations: Pick<Stores['organizations'], 'find' | 'findBySlug'>,
  handle: string,
): Promise<Organization | undefined> {
  return (await organizations.findBySlug(handle)) ?? (/^[0-9a-z]{26}$/.test(handle) ? organizations.find(handle) : undefined);
}

export type OrganizationChoice =
  | { kind: 'none' }
  | { kind: 'pick'; organizations: Organization[] }
  | { kind: 'chosen'; organization: Organization };

/*
 * Which organisation this sign-in is for:
 * - candidates are the user's active memberships whose organisation the client accepts
 * - an `organization` request parameter (slug or id) narrows them to that one
 * - a choice the user made must be one of the candidates (a forged form value picks nothing)
 * - one candidate is chosen without asking; several -> the user picks
 */
export async function chooseOrganization(
  stores: Pick<Stores, 'memberships' | 'organizations' | 'clients'>,
  input: { userId: string; clientId: string; requested?: string; chosen?: string },
): Promise<OrganizationChoice> {
  const client = await stores.clients.find(input.clientId);
  if (!client) return { kind: 'none' };
  const direct = await directChoice(stores, client.allowedOrgIds, input);
  if (direct) return { kind: 'chosen', organization: direct };
  const memberships = (await stores.memberships.list({ where: { userId: input.userId, status: 'active' }, limit: 500 })).items;
  const organizations = (await Promise.all(memberships.map((m) => stores.organizations.find(m.orgId))))
    .filter((org): org is Organization => org !== undefined)
    .filter((org) => client.allowedOrgIds.length === 0 || client.allowedOrgIds.includes(org.id))
    .filter((org) => input.requested === undefined || org.id === input.requested || org.slug === input.requested.toLowerCase())
    .sort((a, b) => a.name.localeCompare(b.name));

  if (organizations.length === 0) return { kind: 'none' };
  const chosen = input.chosen === undefined ? undefined : organizations.find((org) => org.id === input.chosen);
  if (chosen) return { kind: 'chosen', organization: chosen };
  if (organizations.length === 1) return { kind: 'chosen', organization: organizations[0]! };
  return { kind: 'pick', organizations };
}

/*
 * The organisation already decided (the user's pick, or the one an IdP signed in to) or asked for by the app:
 * one membership read by key instead of listing them all. undefined = decide from the full list.
 */
async function directChoice(
  stores: Pick<Stores, 'memberships' | 'organizations'>,
  allowedOrgIds: readonly string[],
  input: { userId: string; requested?: string; chosen?: string },
): Promise<Organization | undefined> {
  const requested = input.requested === undefined
    ? undefined
    : await organizationNamed(stores.organizations, input.requested);
  if (input.requested !== undefined && !requested) return undefined;
  const orgId = input.chosen ?? requested?.id;
  if (!orgId || (requested && requested.id !== orgId)) return undefined;
  if (allowedOrgIds.length > 0 && !allowedOrgIds.includes(orgId)) return undefined;
  const membership = await stores.memberships.findFor(orgId, input.userId);
  if (membership?.status !== 'active') return undefined;
  return requested ?? stores.organizations.find(orgId);
}
