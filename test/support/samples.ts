import { randomBytes } from 'node:crypto';
import type { Draft } from '../../src/common/entity.ts';
import type { ApiKey, AuditEvent, Group, Invitation, Membership, Organization, User } from '../../src/directory/model.ts';
import type { Connection } from '../../src/federation/model.ts';
import type { Client, SigningKey } from '../../src/oidc/model.ts';

/* Builders of valid drafts for tests; each call is unique where the model needs it to be. */

const unique = () => randomBytes(4).toString('hex');

export function orgDraft(overrides: Partial<Draft<Organization>> = {}): Draft<Organization> {
  return {
    slug: `org-${unique()}`,
    name: 'Acme Images',
    domains: [],
    loginPolicy: { methods: ['password'], googleHostedDomains: [], ownerPasswordFallback: false },
    mfaPolicy: 'optional',
    limits: { maxUsers: null, maxGroups: 5 },
    ...overrides,
  };
}

export function userDraft(overrides: Partial<Draft<User>> = {}): Draft<User> {
  return {
    email: `user-${unique()}@example.com`,
    name: 'Ada Lovelace',
    passwordHash: null,
    emailVerified: true,
    mfaOptIn: false,
    status: 'active',
    lastLoginAt: null,
    ...overrides,
  };
}

export function membershipDraft(orgId: string, userId: string, overrides: Partial<Draft<Membership>> = {}): Draft<Membership> {
  return { orgId, userId, roles: [{ role: 'developer' }], groupIds: [], status: 'active', source: 'invite', loginMethods: [], ...overrides };
}

export function groupDraft(orgId: string, overrides: Partial<Draft<Group>> = {}): Draft<Group> {
  return { orgId, name: `Group ${unique()}`, description: '', roles: [], ...overrides };
}

export function invitationDraft(orgId: string, overrides: Partial<Draft<Invitation>> = {}): Draft<Invitation> {
  return {
    orgId,
    email: `invitee-${unique()}@example.com`,
    roles: [{ role: 'analyst' }],
    groupIds: [],
    loginMethods: [],
    tokenHash: randomBytes(32).toString('base64url'),
    invitedBy: 'user:admin',
    expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    status: 'pending',
    acceptedAt: null,
    ...overrides,
  };
}

export function apiKeyDraft(orgId: string, overrides: Partial<Draft<ApiKey>> = {}): Draft<ApiKey> {
  return {
    orgId, name: 'CI key', roles: [{ role: 'developer' }], prefix: `bk_${unique()}`, secretHash: unique(), createdBy: 'user:owner',
    lastUsedAt: null, revokedAt: null, ...overrides,
  };
}

export function auditDraft(overrides: Partial<Draft<AuditEvent>> = {}): Draft<AuditEvent> {
  return {
    orgId: null, actor: 'system', action: 'organization.created', target: null, outcome: 'success',
    requestId: null, ip: null, details: {}, ...overrides,
  };
}

export function connectionDraft(orgId: string, overrides: Partial<Draft<Connection>> = {}): Draft<Connection> {
  return {
    orgId, kind: 'saml', name: 'Okta', enabled: false,
    settings: { idpEntityId: 'https://idp.example.com', certificates: ['MIIB...'] },
    mapping: { email: 'email', groups: 'groups', rules: [{ attribute: 'groups', value: 'Engineering', roles: ['developer'] }] },
    jit: { enabled: true, defaultRoles: [] },
    ...overrides,
  };
}

export function clientDraft(overrides: Partial<Draft<Client>> = {}): Draft<Client> {
  return {
    id: `app-${unique()}`,
    name: 'Dashboard',
    redirectUris: ['https://app.example.com/callback'],
    postLogoutRedirectUris: [],
    grantTypes: ['authorization_code', 'refresh_token'],
    tokenEndpointAuthMethod: 'client_secret_basic',
    clientSecretHash: null,
    firstParty: true,
    allowedOrgIds: [],
    idTokenSignedResponseAlg: 'ES256',
    ...overrides,
  };
}

export function signingKeyDraft(overrides: Partial<Draft<SigningKey>> = {}): Draft<SigningKey> {
  return {
    alg: 'ES256',
    publicJwk: { kty: 'EC', crv: 'P-256', x: unique(), y: unique(), kid: unique() },
    encryptedPrivateJwk: unique(),
    status: 'next',
    activatedAt: null,
    retiredAt: null,
    ...overrides,
  };
}
