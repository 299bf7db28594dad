import { ForbiddenError } from '../common/errors.ts';
import { LOGIN_METHODS, type LoginMethod, type Membership, type Organization } from './model.ts';

/*
 * Which sign-in methods one person may use in one organisation (Kratos's login/organizations.go filters
 * strategies the same way):
 * - the organisation's policy is the ceiling: a method it does not list is never offered, nor accepted
 * - a membership may narrow it further (the seeds' "login type chosen per user"); an empty list narrows
 *   nothing, and a per-user method the organisation no longer allows is dropped, never added back
 * - break-glass: with ownerPasswordFallback, an owner keeps password whatever the policy and their own
 *   restriction say, so an organisation whose IdP is down or misconfigured is not locked out of its settings
 * - the answer may be empty: that person cannot sign in to this organisation at all
 * The sign-in journey resolves this once it knows the organisation (and the person, when they have a
 * membership), offers only these methods, and asserts the chosen one again at every step server-side.
 */
export interface LoginMethodsInput {
  org: Pick<Organization, 'loginPolicy'>;
  /** Absent for someone not (yet) a member: invitees and just-in-time provisioning get the policy itself. */
  membership?: Pick<Membership, 'loginMethods'>;
  /** Holds the unscoped owner role in this organisation (access.ts holdsOwnerRole). */
  isOwner: boolean;
}

/** In the catalogue order of LOGIN_METHODS, without duplicates. */
export function resolveLoginMethods({ org, membership, isOwner }: LoginMethodsInput): LoginMethod[] {
  const policy = new Set(org.loginPolicy.methods);
  const own = membership && membership.loginMethods.length > 0 ? new Set(membership.loginMethods) : undefined;
  const allowed = new Set(LOGIN_METHODS.filter((m) => policy.has(m) && (own === undefined || own.has(m))));
  if (isOwner && org.loginPolicy.ownerPasswordFallback) allowed.add('password');
  return LOGIN_METHODS.filter((m) => allowed.has(m));
}

/** A method the resolved policy does not allow. Carries what is allowed, so the page can name it. */
export class LoginMethodNotAllowedError extends ForbiddenError {
  readonly method: LoginMethod;
  readonly allowed: readonly LoginMethod[];
  readonly orgName: string;

  constructor(method: LoginMethod, allowed: readonly LoginMethod[], orgName: string) {
    super('login_method_not_allowed', allowed.length === 0
      ? `${orgName} does not allow you to sign in. Ask an administrator of ${orgName} for access.`
      : `${orgName} does not allow signing in with ${METHOD_NAMES[method]}. Sign in with ${allowed.map((m) => METHOD_NAMES[m]).join(' or ')}.`);
    this.method = method;
    this.allowed = [...allowed];
    this.orgName = orgName;
  }
}

const METHOD_NAMES: Readonly<Record<LoginMethod, string>> = {
  password: 'a password',
  google: 'Google',
  saml: 'single sign-on',
};

/** @throws LoginMethodNotAllowedError */
export function assertMethodAllowed(method: LoginMethod, resolved: readonly LoginMethod[], orgName: string): void {
  if (!resolved.includes(method)) throw new LoginMethodNotAllowedError(method, resolved, orgName);
}
