import type { LoginPolicy } from '../../directory/model.ts';
import type { ExternalIdentity } from '../connector.ts';
import { GoogleSignInError } from './errors.ts';

/*
 * - an organisation that lists Google hosted domains accepts only Workspace accounts of those domains, judged
 *   on the validated ID token's `hd` claim. The `hd` authorization parameter is a hint for Google's account
 *   chooser that anyone can strip from the URL, and the email domain says nothing: a consumer account can be
 *   registered for any address, including one at the organisation's domain ("Authenticate with a backend
 *   server": "use the hd claim, not the email domain").
 * - checked when the sign-in completes, against the policy as it is then (it may have changed since start)
 * - no hosted domains listed: any Google account with a verified email (checked by the connector)
 */
export function checkGoogleIdentity(
  identity: Pick<ExternalIdentity, 'hostedDomain' | 'email'>,
  policy: Pick<LoginPolicy, 'googleHostedDomains'>,
): void {
  const allowed = policy.googleHostedDomains.map((d) => d.toLowerCase());
  if (allowed.length === 0) return;
  const hd = identity.hostedDomain?.toLowerCase();
  if (hd !== undefined && allowed.includes(hd)) return;
  const who = identity.email ?? 'the account';
  throw new GoogleSignInError('google_hosted_domain_mismatch', hd === undefined
    ? `${who} is not a Google Workspace account (no hd claim); the organisation accepts only ${allowed.join(', ')}`
    : `${who} belongs to the Workspace domain ${hd}; the organisation accepts only ${allowed.join(', ')}`);
}

/**
 * The `hd` authorization parameter for the organisation: its one domain, `*` (any Workspace account) when
 * it lists several, nothing when it lists none. Only preselects accounts in Google's chooser.
 */
export function hostedDomainHint(policy: Pick<LoginPolicy, 'googleHostedDomains'>): string | undefined {
  const [first, ...rest] = policy.googleHostedDomains;
  if (first === undefined) return undefined;
  return rest.length === 0 ? first.toLowerCase() : '*';
}
