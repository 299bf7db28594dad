import type { KvStore } from '../../../../src/common/kv.ts';
import type { Connection } from '../../../../src/federation/model.ts';
import { createSamlConnector, type SamlConnector } from '../../../../src/federation/saml/connector.ts';
import type { SpKeys } from '../../../../src/federation/saml/compiled-connection.ts';
import { SamlValidationError, type SamlRejectionReason } from '../../../../src/federation/saml/errors.ts';
import { createMemoryKv } from '../../../../src/store/kv/memory.ts';
import { createTestIdp, type ResponseOptions, type TestIdp } from '../../../fixtures/saml/idp.ts';

/*
 * One SP (our connector on a KV store and a settable clock) facing one real IdP (samlify), with helpers for
 * the round trip: start a sign-in, let the IdP parse our AuthnRequest and answer it.
 */
export const PUBLIC_URL = 'https://login.example.test';

export interface SamlWorld {
  idp: TestIdp;
  kv: KvStore;
  connector: SamlConnector;
  now(): Date;
  advance(seconds: number): void;
  connection(overrides?: { id?: string; settings?: Record<string, unknown>; mapping?: Record<string, unknown> }): Connection;
  sp(connection: Connection): { entityId: string; acsUrl: string };
  /** Starts a sign-in and has the IdP answer it; `response` overrides what the IdP puts in. */
  signIn(connection: Connection, response?: Partial<ResponseOptions>): Promise<{ samlResponse: string; relayState: string; requestId: string }>;
}

export interface SamlWorldOptions {
  /** The KV store, given the world's clock in milliseconds; memory by default. */
  makeKv?: (now: () => number) => KvStore;
  idp?: TestIdp;
  spKeys?: SpKeys;
}

export function createSamlWorld(options: SamlWorldOptions = {}): SamlWorld {
  let clock = new Date('2030-06-01T12:00:00.000Z');
  const now = () => clock;
  const kv = (options.makeKv ?? ((clockMs) => createMemoryKv({ now: clockMs })))(() => clock.getTime());
  const idp = options.idp ?? createTestIdp();
  const connector = createSamlConnector({ kv, publicUrl: PUBLIC_URL, now, ...(options.spKeys ? { spKeys: options.spKeys } : {}) });
  let relayCounter = 0;

  const world: SamlWorld = {
    idp,
    kv,
    connector,
    now,
    advance: (seconds) => { clock = new Date(clock.getTime() + seconds * 1000); },
    connection: (overrides = {}) => ({
      id: overrides.id ?? 'conn-acme',
      orgId: 'org-acme',
      kind: 'saml',
      name: 'Acme SSO',
      enabled: true,
      settings: { idpEntityId: idp.entityId, ssoUrl: idp.ssoUrl, idpCertificates: [idp.keys.certificatePem], ...overrides.settings },
      mapping: overrides.mapping ?? {},
      jit: { enabled: false, defaultRoles: [] },
      createdAt: '2030-01-01T00:00:00.000Z',
      updatedAt: '2030-01-01T00:00:00.000Z',
      version: 1,
    }),
    sp(connection) {
      const { spEntityId, acsUrl } = connector.spEndpoints(connection);
      return { entityId: spEntityId, acsUrl };
    },
    async signIn(connection, response = {}) {
      const relayState = `interaction-${++relayCounter}`;
      const { redirectUrl } = await connector.startSignIn(connection, { relayState });
      const request = await idp.receive(redirectUrl, world.sp(connection));
      const samlResponse = await idp.respond({ sp: world.sp(connection), inResponseTo: request.id, now: clock, ...response });
      return { samlResponse, relayState, requestId: request.id };
    },
  };
  return world;
}

/** The rejection reason of a promise that must reject with a SamlValidationError. */
export async function rejection(promise: Promise<unknown>): Promise<{ reason: SamlRejectionReason; detail: string; error: SamlValidationError }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SamlValidationError) return { reason: error.reason, detail: error.detail, error };
    throw error;
  }
  throw new Error('expected the response to be refused, and it was accepted');
}
