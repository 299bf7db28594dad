import { randomBytes } from 'node:crypto';
import { SAML } from '@node-saml/node-saml';
import type { SignInRedirect } from '../connector.ts';
import type { CompiledConnection } from './compiled-connection.ts';
import type { RequestState } from './request-state.ts';

/*
 * - an AuthnRequest over the HTTP-Redirect binding (SAML Bindings 3.4), signed on the query string when the
 *   connection asks for it and SP keys exist (3.4.4.1)
 * - its id is stored before the browser leaves, bound to the connection and the caller's RelayState, so the
 *   instance that receives the response can match InResponseTo (SAML Profiles 4.1.4.3)
 * - RelayState is opaque: the caller's handle on its own interaction, carried to the IdP and back, never
 *   read as a URL. SAML Bindings 3.4.3 limits it to 80 bytes.
 */
export interface StartSignInInput {
  relayState: string;
  /** Ask the IdP to authenticate again even with a session (OIDC prompt=login, max_age). */
  forceAuthn?: boolean;
}

const MAX_RELAY_STATE_BYTES = 80;
// The query signature covers the URL-encoded bytes (SAML Bindings 3.4.4.1); outside this set the encoders of
// node-saml's signer and of its URL builder disagree, and the IdP would see a signature that does not verify.
const RELAY_STATE = /^[A-Za-z0-9._-]+$/;

export async function startSamlSignIn(
  compiled: CompiledConnection,
  state: RequestState,
  now: () => Date,
  input: StartSignInInput,
): Promise<SignInRedirect & { requestId: string }> {
  if (Buffer.byteLength(input.relayState, 'utf8') > MAX_RELAY_STATE_BYTES) {
    throw new RangeError(`RelayState must not exceed ${MAX_RELAY_STATE_BYTES} bytes (SAML Bindings 3.4.3)`);
  }
  if (!RELAY_STATE.test(input.relayState)) throw new RangeError('RelayState must consist of letters, digits, ".", "_" and "-"');
  // An xs:ID must not start with a digit; 160 random bits, as node-saml's own generator.
  const requestId = `_${randomBytes(20).toString('hex')}`;
  await state.saveRequest(compiled.connectionId, requestId, { relayState: input.relayState, createdAt: now().toISOString() });
  // A request-scoped instance: node-saml takes the id from its options, and building one is cheap.
  const saml = new SAML({ ...compiled.samlOptions, generateUniqueId: () => requestId, forceAuthn: input.forceAuthn === true });
  const redirectUrl = await saml.getAuthorizeUrlAsync(input.relayState, undefined, {});
  return { redirectUrl, requestId };
}
