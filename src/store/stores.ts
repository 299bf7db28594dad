import type { Entity, Repository } from '../common/entity.ts';
import { emailDomain, normalizeEmail, normalizeName } from '../common/normalize.ts';
import type {
  ApiKeyStore, AuditLog, FederatedIdentityStore, GroupStore, InvitationStore, MembershipStore, OrganizationStore, UserStore,
} from '../directory/ports.ts';
import type { ConnectionStore } from '../federation/ports.ts';
import type { ClientStore, SigningKeyStore } from '../oidc/ports.ts';
import type { CollectionSpec, DocumentCollection, StorageBackend } from './collection.ts';
import type { AuditEvent } from '../directory/model.ts';
import { groupCommit } from './group-commit.ts';
import { createRepository, newDocument } from './repository.ts';
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

/** Audit events: one per sign-in, written together with those of concurrent sign-ins (group-commit.ts). */
function recordAudit(docs: DocumentCollection<AuditEvent>, now: () => Date = () => new Date()): AuditLog['record'] {
  const write = docs.insertMany ? groupCommit((batch: AuditEvent[]) => docs.insertMany!(batch)) : (doc: AuditEvent) => docs.insert(doc);
  return async (draft) => {
    const event = newDocument(draft, now);
    await write(event);
    return event;
  };
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
  const [audit, auditDocs] = open(specs.auditEventSpec);
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
    audit: { record: recordAudit(auditDocs, now), list: (options) => audit.list(options) },
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
