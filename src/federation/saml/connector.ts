import type { KvStore } from '../../common/kv.ts';
import type { Connector } from '../connector.ts';
import type { Connection } from '../model.ts';
import { createCompiledConnectionCache, type SpKeys } from './compiled-connection.ts';
import type { SpEndpoints } from './endpoints.ts';
import { createRequestState } from './request-state.ts';
import { startSamlSignIn, type StartSignInInput } from './request.ts';
import { type CompletedSignIn, completeSamlSignIn, type CompleteSignInInput } from './response.ts';
import { buildSpMetadata } from './sp-metadata.ts';

/*
 * The SAML service provider for every SAML connection. Stateless apart from the KV store (request and
 * replay ids) and a cache of compiled connection settings, so any instance can finish a sign-in another
 * started. The caller decides whether a connection may be used (enabled, allowed by the login policy).
 */
export interface SamlConnectorDeps {
  kv: KvStore;
  /** External base URL (config server.publicUrl); endpoints hang off it. */
  publicUrl: string;
  now?: () => Date;
  /** SP key pair: signs AuthnRequests and decrypts assertions for connections that ask for either. */
  spKeys?: SpKeys;
}

export interface SamlConnector extends Connector<StartSignInInput, CompleteSignInInput, CompletedSignIn> {
  spEndpoints(connection: Connection): SpEndpoints;
  /** Our metadata for the IdP admin, for this connection. */
  spMetadata(connection: Connection): string;
}

export function createSamlConnector(deps: SamlConnectorDeps): SamlConnector {
  const now = deps.now ?? (() => new Date());
  const compile = createCompiledConnectionCache(deps.publicUrl, deps.spKeys);
  const state = createRequestState(deps.kv);

  return {
    spEndpoints: (connection) => compile(connection).endpoints,

    spMetadata(connection) {
      const { endpoints, settings } = compile(connection);
      return buildSpMetadata({
        spEntityId: endpoints.spEntityId,
        acsUrl: endpoints.acsUrl,
        ...(settings.signAuthnRequests && deps.spKeys ? { signingCert: deps.spKeys.certificatePem } : {}),
        ...(settings.decryptAssertions && deps.spKeys ? { encryptionCert: deps.spKeys.certificatePem } : {}),
        ...(settings.nameIdFormat ? { nameIdFormat: settings.nameIdFormat } : {}),
        wantAssertionsSigned: true,
      });
    },

    async startSignIn(connection, input) {
      const { redirectUrl } = await startSamlSignIn(compile(connection), state, now, input);
      return { redirectUrl };
    },

    completeSignIn: (connection, input) => completeSamlSignIn(compile(connection), state, now, input),
  };
}
