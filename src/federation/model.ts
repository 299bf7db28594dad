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

