import type { KvStore } from '../common/kv.ts';
import type { Catalog } from './catalog.ts';
import { DUMMY_PASSWORD_HASH, hashPassword, verifyPassword } from './passwords.ts';
import type {
  ApiKeyStore, AuditLog, FederatedIdentityStore, GroupStore, InvitationStore, MembershipStore, OrganizationStore, UserStore,
} from './ports.ts';

/*
 * What the directory services run on: its own ports (never the store implementations, which depend on the
 * ports and not the other way round), the KV port for expiring secrets, the catalog, a clock, a hasher.
 */

export interface DirectoryStores {
  organizations: OrganizationStore;
  users: UserStore;
  memberships: MembershipStore;
  groups: GroupStore;
  invitations: InvitationStore;
  apiKeys: ApiKeyStore;
  audit: AuditLog;
  federatedIdentities: FederatedIdentityStore;
}

/** Password hashing as the services use it; argon2id (passwords.ts) unless replaced. */
export interface PasswordHasher {
  hash(plain: string): Promise<string>;
  /** False for a wrong password or a malformed hash; never throws. */
  verify(passwordHash: string, plain: string): Promise<boolean>;
}

export interface DirectoryDeps {
  stores: DirectoryStores;
  kv: KvStore;
  catalog: Catalog;
  /** The clock for expiries (invitations, reset tokens, API key use); tests pass a fake one. */
  now?: () => Date;
  passwords?: PasswordHasher;
}

/** DirectoryDeps with every default filled in, handed to each service. */
export interface DirectoryContext {
  stores: DirectoryStores;
  kv: KvStore;
  catalog: Catalog;
  now: () => Date;
  passwords: PasswordHasher & {
    /** Spends the work of one verification on nothing, so that "no such account" takes as long as a wrong password. */
    verifyNothing(plain: string): Promise<void>;
  };
}

export const argon2Passwords: PasswordHasher = { hash: hashPassword, verify: verifyPassword };

export function resolveContext(deps: DirectoryDeps): DirectoryContext {
  const passwords = deps.passwords ?? argon2Passwords;
  return {
    stores: deps.stores,
    kv: deps.kv,
    catalog: deps.catalog,
    now: deps.now ?? (() => new Date()),
    passwords: {
      hash: (plain) => passwords.hash(plain),
      verify: (passwordHash, plain) => passwords.verify(passwordHash, plain),
      async verifyNothing(plain) {
        await passwords.verify(DUMMY_PASSWORD_HASH, plain);
      },
    },
  };
}
