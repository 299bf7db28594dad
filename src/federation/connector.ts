import type { Connection } from './model.ts';

/*
 * What every upstream sign-in method hands back: who the IdP says the person is, normalised across protocols.
 * A connector knows nothing of users, memberships or groups; turning an identity into those is the
 * directory's mapping rules, applied by the sign-in journey.
 */
export interface ExternalIdentity {
  connectionId: string;
  orgId: string;
  protocol: 'saml' | 'google';
  /** The IdP's stable identifier of the person: the SAML NameID, the OIDC `sub`. */
  subject: string;
  /** SAML NameID Format, when the IdP stated one. */
  subjectFormat?: string;
  email?: string;
  /** Only set when the IdP makes a statement about it (OIDC `email_verified`); SAML IdPs make none. */
  emailVerified?: boolean;
  /** Google Workspace domain of the account (the ID token's `hd`); absent for consumer Google accounts and SAML. */
  hostedDomain?: string;
  name?: string;
  givenName?: string;
  familyName?: string;
  /** Group names or ids exactly as the IdP sent them, deduplicated. */
  groups: string[];
  /** Every attribute the IdP sent, by its name, for mapping rules and the admin's test sign-in page. */
  attributes: Record<string, string[]>;
  /** SAML AuthnStatement SessionIndex, for single logout. */
  sessionIndex?: string;
  /** SAML AuthnContextClassRef or OIDC `acr`. */
  authnContext?: string;
  /** Authentication methods (RFC 8176) the IdP's statement implies. */
  amr: string[];
}

/** The first leg of a redirect-based sign-in: where to send the browser. */
export interface SignInRedirect {
  redirectUrl: string;
}

/**
 * A sign-in method run against one connection: start by redirecting the browser to the IdP, finish with
 * what the IdP sent back. Each protocol has its own start and finish inputs.
 */
export interface Connector<Start, Finish, Result extends { identity: ExternalIdentity }> {
  startSignIn(connection: Connection, input: Start): Promise<SignInRedirect>;
  completeSignIn(connection: Connection, input: Finish): Promise<Result>;
}
