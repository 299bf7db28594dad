import type { Entity, Repository } from '../common/entity.ts';
import { emailDomain, normalizeEmail, normalizeName } from '../common/normalize.ts';
import type {
  ApiKeyStore, AuditLog, FederatedIdentityStore, GroupStore, InvitationStore, MembershipStore, OrganizationStore, UserStore,
} from '../directory/ports.ts';
import type { ConnectionStore } from '../federation/ports.ts';
import type { ClientStore, SigningKeyStore } from '../oidc/ports.ts';
import type { CollectionSpec, DocumentCollection, StorageBackend } from './collection.ts';
import { createRepository } from './repository.ts';
import { userMembershipsSpec, withMembershipIndex } from './membership-index.ts';
import * as specs from './specs.ts';

/** Every durable port, implemented over one storage backend. */
export interface Stores {
  readonly backend: StorageBackend['kind'];
  organizations: OrganizationStore;
  users: UserStore;
  memberships: MembershipStore;
  groups: GroupStore;
  connections: ConnectionStore;
  federatedIdentities: FederatedIdentityStore;
  clients: ClientStore;
  signingKeys: SigningKeyStore;
  invitations: InvitationStore;
  apiKeys: ApiKeyStore;
  audit: AuditLog;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export async function createStores(backend: StorageBackend, now?: () => Date): Promise<Stores> {
  function open<T extends Entity>(spec: CollectionSpec<T>): [Repository<T>, DocumentCollection<T>] {
    const collection = backend.collection(spec);
    return [createRepository(collection, spec.noun, now), collection];
  }

  const [organizations, organizationDocs] = open(specs.organizationSpec);
  const [users, userDocs] = open(specs.userSpec);
  const [memberships, membershipDocs] = open(specs.membershipSpec);
  const [groups, groupDocs] = open(specs.groupSpec);
  const [invitations, invitationDocs] = open(specs.invitationSpec);
  const [apiKeys, apiKeyDocs] = open(specs.apiKeySpec);
  const [audit] = open(specs.auditEventSpec);
  const [connections] = open(specs.connectionSpec);
  const [federatedIdentities, federatedIdentityDocs] = open(specs.federatedIdentitySpec);
  const [membershipIndex] = open(userMembershipsSpec);
  const [clients] = open(specs.clientSpec);
  const [signingKeys] = open(specs.signingKeySpec);
  await backend.prepare();

  return {
    backend: backend.kind,
    organizations: {
      ...organizations,
      findBySlug: (slug) => organizationDocs.findByKey('slug', normalizeName(slug)),
      findByVerifiedDomain: (domain) => organizationDocs.findByKey('verifiedDomain', emailDomain(`@${domain}`)),
    },
    users: { ...users, findByEmail: (email) => userDocs.findByKey('email', normalizeEmail(email)) },
    memberships: withMembershipIndex({ ...memberships, findFor: (orgId, userId) => membershipDocs.findByKey('orgUser', `${orgId}/${userId}`) }, membershipIndex),
    groups: { ...groups, findByName: (orgId, name) => groupDocs.findByKey('orgName', `${orgId}/${normalizeName(name)}`) },
    invitations: { ...invitations, findByTokenHash: (hash) => invitationDocs.findByKey('tokenHash', hash) },
    apiKeys: { ...apiKeys, findByPrefix: (prefix) => apiKeyDocs.findByKey('prefix', prefix) },
    audit: { record: (event) => audit.create(event), list: (options) => audit.list(options) },
    connections,
    federatedIdentities: {
      ...federatedIdentities,
      findBySubject: (connectionId, subject) => federatedIdentityDocs.findByKey('connectionSubject', `${connectionId}/${subject}`),
    },
    clients,
    signingKeys,
    ping: () => backend.ping(),
    close: () => backend.close(),
  };
}
