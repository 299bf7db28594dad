import type { Entity } from '../common/entity.ts';

export type LoginMethod = 'password' | 'google' | 'saml';
export const LOGIN_METHODS: readonly LoginMethod[] = ['password', 'google', 'saml'];

export interface EmailDomain {
  /** Lower-case DNS name. */
  domain: string;
  /** A domain routes users to its organisation only once verified (DNS TXT record). */
  verified: boolean;
  verificationToken?: string;
  verifiedAt?: string;
}

export interface LoginPolicy {
  /** Methods members may sign in with; at least one. */
  methods: LoginMethod[];
  /** When Google is allowed: only accounts whose `hd` is one of these (empty = any verified Google account). */
  googleHostedDomains: string[];
  /** Break-glass: owners keep password sign-in while the organisation enforces SSO. */
  ownerPasswordFallback: boolean;
}

export interface Organization extends Entity {
  /** URL-safe handle, unique case-insensitively. */
  slug: string;
  name: string;
  domains: EmailDomain[];
  loginPolicy: LoginPolicy;
  /** `required`: every member completes email OTP; `optional`: members choose. */
  mfaPolicy: 'required' | 'optional';
  limits: {
    /** Plan cap on members (active, invited and suspended count); null = unlimited. */
    maxUsers: number | null;
    maxGroups: number;
  };
}

export interface User extends Entity {
  /** As entered; uniqueness is on its normalised form. */
  email: string;
  name: string;
  /** argon2id PHC string; null for users who only sign in through an IdP. */
  passwordHash: string | null;
  emailVerified: boolean;
  mfaOptIn: boolean;
  status: 'active' | 'disabled';
  lastLoginAt: string | null;
  /** When the password was last set: sign-ins from before then (sessions, refresh tokens) no longer serve. */
  passwordChangedAt?: string;
}

/** Whether a sign-in at `epochSeconds` came before the account's password was last set (same second: not before). */
export function predatesPasswordChange(user: Pick<User, 'passwordChangedAt'>, epochSeconds: number | undefined): boolean {
  if (user.passwordChangedAt === undefined) return false;
  return (epochSeconds ?? 0) < Math.floor(Date.parse(user.passwordChangedAt) / 1000);
}

/** A role, optionally limited to some resources (the seeds' source-specific roles). */
export interface RoleBinding {
  role: string;
  scope?: { type: string; ids: string[] };
}

export interface Membership extends Entity {
  orgId: string;
  userId: string;
  roles: RoleBinding[];
  groupIds: string[];
  status: 'invited' | 'active' | 'suspended';
  source: 'invite' | 'jit' | 'scim' | 'bootstrap';
  /** Per-user login types within the organisation's policy; empty = whatever the policy allows. */
  loginMethods: LoginMethod[];
}

export interface Group extends Entity {
  orgId: string;
  /** Letters, digits and spaces; unique per organisation case-insensitively. */
  name: string;
  description: string;
  roles: RoleBinding[];
}

export interface Invitation extends Entity {
  orgId: string;
  email: string;
  roles: RoleBinding[];
  groupIds: string[];
  loginMethods: LoginMethod[];
  /** SHA-256 of the single-use link's secret; the secret itself is never stored. */
  tokenHash: string;
  invitedBy: string;
  expiresAt: string;
  status: 'pending' | 'accepted' | 'revoked';
  acceptedAt: string | null;
}

export interface ApiKey extends Entity {
  orgId: string;
  name: string;
  /** Public, unique part shown in listings and used to find the key. */
  prefix: string;
  /** Hash of the secret part; the secret is shown once at creation. */
  secretHash: string;
  /** What the key may do: it acts with these role bindings in its organisation, nothing else. */
  roles: RoleBinding[];
  createdBy: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface AuditEvent extends Entity {
  /** Absent for events outside any organisation (e.g. an unknown email's failed sign-in). */
  orgId: string | null;
  /** `user:<id>`, `apikey:<id>`, `system` or `anonymous`. */
  actor: string;
  /** Dotted verb, e.g. `user.invited`, `signin.failed`. */
  action: string;
  target: string | null;
  outcome: 'success' | 'failure';
  requestId: string | null;
  ip: string | null;
  /** Non-secret context (reason codes, changed field names). Never passwords, codes or tokens. */
  details: Record<string, unknown>;
}

/**
 * Which account an upstream identity is: keyed on (connection, subject) — the SAML NameID or the OIDC `sub` —
 * never on an email alone, which an IdP admin can set to anything.
 */
export interface FederatedIdentity extends Entity {
  connectionId: string;
  orgId: string;
  subject: string;
  userId: string;
  lastSignInAt: string;
}
