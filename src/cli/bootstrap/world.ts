import type { Entity } from '../../common/entity.ts';
import { normalizeEmail, normalizeName } from '../../common/normalize.ts';
import type { Group, Membership, Organization, User } from '../../directory/model.ts';
import type { Connection } from '../../federation/model.ts';
import type { Client } from '../../oidc/model.ts';
import type { Stores } from '../../store/stores.ts';
import { orgScopedKey } from './entries.ts';

/*
 * Stored objects by natural key, as the import sees them:
 * - each object is looked up in the store once, however many entries refer to it
 * - an object the import writes is remembered, so later lookups see it instead of the store
 * - connections have no unique key in the store: an organisation's connections are listed once, by name
 */

export interface World {
  organization(slug: string): Promise<Organization | undefined>;
  user(email: string): Promise<User | undefined>;
  group(orgSlug: string, name: string): Promise<Group | undefined>;
  membership(orgSlug: string, email: string): Promise<Membership | undefined>;
  client(clientId: string): Promise<Client | undefined>;
  connection(orgSlug: string, name: string): Promise<Connection | undefined>;
  remember(key: string, value: Entity): void;
}

export const worldKeys = {
  organization: (slug: string) => `organization/${normalizeName(slug)}`,
  user: (email: string) => `user/${normalizeEmail(email)}`,
  group: (slug: string, name: string) => `group/${orgScopedKey(slug, name)}`,
  connection: (slug: string, name: string) => `connection/${orgScopedKey(slug, name)}`,
};

export function createWorld(stores: Stores): World {
  const cache = new Map<string, Promise<unknown>>();
  function memo<T>(key: string, load: () => Promise<T>): Promise<T> {
    let hit = cache.get(key) as Promise<T> | undefined;
    if (!hit) cache.set(key, hit = load());
    return hit;
  }
  const organization = (slug: string) => memo(worldKeys.organization(slug), () => stores.organizations.findBySlug(slug));
  const user = (email: string) => memo(worldKeys.user(email), () => stores.users.findByEmail(email));
  return {
    organization,
    user,
    async group(slug, name) {
      const org = await organization(slug);
      return org && memo(worldKeys.group(slug, name), () => stores.groups.findByName(org.id, name));
    },
    async membership(slug, email) {
      const [org, member] = await Promise.all([organization(slug), user(email)]);
      return org && member && memo(`membership/${org.id}/${member.id}`, () => stores.memberships.findFor(org.id, member.id));
    },
    client: (clientId) => memo(`client/${clientId}`, () => stores.clients.find(clientId)),
    async connection(slug, name) {
      const org = await organization(slug);
      if (!org) return undefined;
      await memo(`connections/${org.id}`, async () => {
        for (let cursor: string | undefined, first = true; first || cursor; first = false) {
          const page = await stores.connections.list({ where: { orgId: org.id }, limit: 500, ...(cursor ? { cursor } : {}) });
          for (const c of page.items) memo(worldKeys.connection(slug, c.name), async () => c);
          cursor = page.next;
        }
      });
      return memo(worldKeys.connection(slug, name), async () => undefined);
    },
    remember(key, value) {
      cache.set(key, Promise.resolve(value));
    },
  };
}
