import type { Entity } from '../common/entity.ts';

/** An organisation's upstream identity provider. Protocol settings are validated by the connector kind. */
export interface Connection extends Entity {
  orgId: string;
  kind: 'saml' | 'google';
  name: string;
  /** New connections start disabled until an admin has tried and enabled them. */
  enabled: boolean;
  settings: Record<string, unknown>;
  /** Attribute names and group/role mapping rules. */
  mapping: Record<string, unknown>;
  /** Just-in-time provisioning of memberships for users the IdP vouches for. */
  jit: { enabled: boolean; defaultRoles: string[] };
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
