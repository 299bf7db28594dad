import { Schema, type SchemaDefinition, type SchemaDefinitionProperty, type SchemaOptions } from 'mongoose';
import type { Entity } from '../../common/entity.ts';
import type { ApiKey, AuditEvent, FederatedIdentity, Group, Invitation, Membership, Organization, User } from '../../directory/model.ts';
import { LOGIN_METHODS } from '../../directory/model.ts';
import type { Connection } from '../../federation/model.ts';
import type { Client, SigningKey } from '../../oidc/model.ts';
import type { CollectionSpec } from '../collection.ts';

/*
 * One mongoose schema per collection of specs.ts, shaped exactly like the model:
 * - `_id` holds the entity id (a string); no `__v`, no `id` virtual.
 * - strict 'throw' (and strictQuery 'throw'): a field the schema does not know is an error, not silently dropped.
 * - minimize off: `details: {}` must read back as `{}`, not disappear.
 * - Dates stay the ISO strings the model uses, so what was written reads back deep-equal.
 * - Unique keys of the spec are derived, normalised values (FerretDB has no collations or partial indexes: a
 *   normalised value gives case-insensitive uniqueness) reserved in `unique_keys` under `_id` (array-keys.ts),
 *   single-valued ones as sets of one. A lookup by key is then two reads by `_id`, FerretDB's SQLite handler's
 *   cheapest lookup; any other filter decodes and evaluates every document (its secondary indexes enforce
 *   uniqueness but do not serve queries; `npm run bench:ferretdb` measures both).
 */

/**
 * Where earlier releases stored derived unique keys under unique indexes named `unique_<key>`; stripped from
 * documents read back, and the indexes dropped at start (backend.ts migrates them to reservations).
 */
export const LEGACY_KEYS_FIELD = '_keys';
export const LEGACY_INDEX_PREFIX = 'unique_';

/** Every model field but the entity's own, each required, so a model change that the schema misses fails to compile. */
type Fields<T extends Entity> = { [K in Exclude<keyof T, keyof Entity>]-?: SchemaDefinitionProperty };

const SUBDOCUMENT: SchemaOptions = { _id: false, id: false, strict: 'throw', minimize: false };

/** A string enum; written as a record so that a value the model adds or drops fails to compile here. */
function oneOf<V extends string>(values: Record<V, true>): SchemaDefinitionProperty {
  return { type: String, enum: Object.keys(values) };
}

const loginMethod = { type: String, enum: LOGIN_METHODS };
const Mixed = Schema.Types.Mixed;

const roleBinding = new Schema(
  {
    role: String,
    scope: new Schema({ type: { type: String }, ids: [String] }, SUBDOCUMENT),
  },
  SUBDOCUMENT,
);

const organization = {
  slug: String,
  name: String,
  domains: [new Schema({ domain: String, verified: Boolean, verificationToken: String, verifiedAt: String }, SUBDOCUMENT)],
  loginPolicy: { methods: [loginMethod], googleHostedDomains: [String], ownerPasswordFallback: Boolean },
  mfaPolicy: oneOf<Organization['mfaPolicy']>({ required: true, optional: true }),
  limits: { maxUsers: Number, maxGroups: Number },
} satisfies Fields<Organization>;

const user = {
  email: String,
  name: String,
  passwordHash: String,
  emailVerified: Boolean,
  mfaOptIn: Boolean,
  status: oneOf<User['status']>({ active: true, disabled: true }),
  lastLoginAt: String,
  passwordChangedAt: String,
} satisfies Fields<User>;

const membership = {
  orgId: String,
  userId: String,
  roles: [roleBinding],
  groupIds: [String],
  status: oneOf<Membership['status']>({ invited: true, active: true, suspended: true }),
  source: oneOf<Membership['source']>({ invite: true, jit: true, scim: true, bootstrap: true }),
  loginMethods: [loginMethod],
} satisfies Fields<Membership>;

const group = { orgId: String, name: String, description: String, roles: [roleBinding] } satisfies Fields<Group>;

const connection = {
  orgId: String,
  kind: oneOf<Connection['kind']>({ saml: true, google: true }),
  name: String,
  enabled: Boolean,
  settings: Mixed,
  mapping: Mixed,
  jit: { enabled: Boolean, defaultRoles: [String] },
  settingsBy: Mixed,
} satisfies Fields<Connection>;

const federatedIdentity = {
  connectionId: String,
  orgId: String,
  subject: String,
  userId: String,
  lastSignInAt: String,
} satisfies Fields<FederatedIdentity>;

const client = {
  name: String,
  redirectUris: [String],
  postLogoutRedirectUris: [String],
  grantTypes: [oneOf<Client['grantTypes'][number]>({ authorization_code: true, refresh_token: true, client_credentials: true })],
  tokenEndpointAuthMethod: oneOf<Client['tokenEndpointAuthMethod']>({
    client_secret_basic: true, client_secret_post: true, private_key_jwt: true, none: true,
  }),
  clientSecretHash: String,
  firstParty: Boolean,
  allowedOrgIds: [String],
  idTokenSignedResponseAlg: oneOf<Client['idTokenSignedResponseAlg']>({ ES256: true, RS256: true }),
} satisfies Fields<Client>;

const signingKey = {
  alg: oneOf<SigningKey['alg']>({ ES256: true, RS256: true }),
  publicJwk: Mixed,
  encryptedPrivateJwk: String,
  status: oneOf<SigningKey['status']>({ next: true, active: true, retired: true }),
  activatedAt: String,
  retiredAt: String,
} satisfies Fields<SigningKey>;

const invitation = {
  orgId: String,
  email: String,
  roles: [roleBinding],
  groupIds: [String],
  loginMethods: [loginMethod],
  tokenHash: String,
  invitedBy: String,
  expiresAt: String,
  status: oneOf<Invitation['status']>({ pending: true, accepted: true, revoked: true }),
  acceptedAt: String,
} satisfies Fields<Invitation>;

const apiKey = {
  orgId: String,
  name: String,
  roles: [roleBinding],
  prefix: String,
  secretHash: String,
  createdBy: String,
  lastUsedAt: String,
  revokedAt: String,
} satisfies Fields<ApiKey>;

const auditEvent = {
  orgId: String,
  actor: String,
  action: String,
  target: String,
  outcome: oneOf<AuditEvent['outcome']>({ success: true, failure: true }),
  requestId: String,
  ip: String,
  details: Mixed,
} satisfies Fields<AuditEvent>;

interface CollectionShape {
  fields: SchemaDefinition;
}

const shapes: Readonly<Record<string, CollectionShape>> = {
  organizations: { fields: organization },
  users: { fields: user },
  memberships: { fields: membership },
  groups: { fields: group },
  connections: { fields: connection },
  federated_identities: { fields: federatedIdentity },
  user_memberships: { fields: { membershipIds: [String] } },
  clients: { fields: client },
  signing_keys: { fields: signingKey },
  invitations: { fields: invitation },
  api_keys: { fields: apiKey },
  audit_events: { fields: auditEvent },
};

export interface MongoCollectionSchema {
  schema: Schema;
  /** The spec's unique keys, every one reserved in `unique_keys`. */
  keys: string[];
}

const TOP_LEVEL: SchemaOptions = {
  versionKey: false,
  id: false,
  strict: 'throw',
  strictQuery: 'throw',
  minimize: false,
  timestamps: false,
  // Indexes are built by the backend's prepare(), collections by their first write; commands never queue.
  autoIndex: false,
  autoCreate: false,
  bufferCommands: false,
};

/** The schema of a spec's collection and its indexes. Throws when the spec names a collection without a schema. */
export function mongoSchemaFor<T extends Entity>(spec: CollectionSpec<T>): MongoCollectionSchema {
  const shape = shapes[spec.name];
  if (!shape) throw new Error(`no MongoDB schema for collection "${spec.name}"`);
  const keys = Object.keys(spec.unique);
  const schema = new Schema(
    {
      _id: String,
      ...shape.fields,
      createdAt: String,
      updatedAt: String,
      version: Number,
    },
    { ...TOP_LEVEL, collection: spec.name },
  );
  for (const field of spec.indexed) schema.index({ [field]: 1 }, { name: `by_${field}` });
  return { schema, keys };
}

/**
 * `write_claims`: exclusive rights taken by inserting a known `_id` (see claims.ts). Only the `_id` index.
 */
export const writeClaimSchema = new Schema({ _id: String }, { ...TOP_LEVEL, collection: 'write_claims' });

/** `unique_keys`: `_id` = `<collection>/<key>/<value>`, held by document `docId`; `token` names this reservation. */
export const uniqueKeySchema = new Schema(
  { _id: String, docId: String, token: String },
  { ...TOP_LEVEL, collection: 'unique_keys' },
);
