import type { RoleBinding } from '../directory/model.ts';
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
  /**
   * The role bindings of the admin who last said which IdP this is (created it, changed its settings): whoever
   * points a connection at an IdP vouches through it only for members who hold no more than they did. Absent:
   * the operator (bootstrap file, CLI) or a connection stored before this was recorded.
   */
  settingsBy?: { bindings: RoleBinding[] };
}

