import { normalizeEmail, normalizeName } from '../common/normalize.ts';
import type { ApiKey, AuditEvent, FederatedIdentity, Group, Invitation, Membership, Organization, User } from '../directory/model.ts';
import type { Connection } from '../federation/model.ts';
import type { Client, SigningKey } from '../oidc/model.ts';
import type { CollectionSpec } from './collection.ts';

/* One spec per stored object: its collection, derived unique keys and filtered fields, for every backend. */

export const organizationSpec: CollectionSpec<Organization> = {
  name: 'organizations',
  noun: 'organization',
  unique: {
    slug: (o) => normalizeName(o.slug),
    verifiedDomain: (o) => o.domains.filter((d) => d.verified).map((d) => d.domain.toLowerCase()),
  },
  indexed: [],
};

export const userSpec: CollectionSpec<User> = {
  name: 'users',
  noun: 'user',
  unique: { email: (u) => normalizeEmail(u.email) },
  indexed: ['status'],
};

export const membershipSpec: CollectionSpec<Membership> = {
  name: 'memberships',
  noun: 'membership',
  unique: { orgUser: (m) => `${m.orgId}/${m.userId}` },
  indexed: ['orgId', 'userId', 'groupIds'],
};

export const groupSpec: CollectionSpec<Group> = {
  name: 'groups',
  noun: 'group',
  unique: { orgName: (g) => `${g.orgId}/${normalizeName(g.name)}` },
  indexed: ['orgId'],
};

export const connectionSpec: CollectionSpec<Connection> = {
  name: 'connections',
  noun: 'connection',
  unique: {},
  indexed: ['orgId'],
};

export const federatedIdentitySpec: CollectionSpec<FederatedIdentity> = {
  name: 'federated_identities',
  noun: 'federated identity',
  // Subjects compare exactly: a NameID or `sub` is case-sensitive (SAML Core 2.2.2, OIDC Core 2).
  unique: { connectionSubject: (f) => `${f.connectionId}/${f.subject}` },
  indexed: ['userId', 'orgId'],
};

export const clientSpec: CollectionSpec<Client> = {
  name: 'clients',
  noun: 'client',
  unique: {},
  indexed: [],
};

export const signingKeySpec: CollectionSpec<SigningKey> = {
  name: 'signing_keys',
  noun: 'signing key',
  unique: {},
  indexed: ['status'],
};

export const invitationSpec: CollectionSpec<Invitation> = {
  name: 'invitations',
  noun: 'invitation',
  unique: { tokenHash: (i) => i.tokenHash },
  indexed: ['orgId', 'status'],
};

export const apiKeySpec: CollectionSpec<ApiKey> = {
  name: 'api_keys',
  noun: 'API key',
  unique: { prefix: (k) => k.prefix },
  indexed: ['orgId'],
};

export const auditEventSpec: CollectionSpec<AuditEvent> = {
  name: 'audit_events',
  noun: 'audit event',
  unique: {},
  indexed: ['orgId', 'actor', 'action', 'createdAt'],
};
