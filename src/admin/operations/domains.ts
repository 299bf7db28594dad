import { z } from 'zod';
import type { DomainVerification } from '../../directory/domain-verification.ts';
import { operation, type Operation } from '../route.ts';

const params = z.strictObject({ domain: z.string().min(1).max(253).describe('A domain the organisation lists.') });

/*
 * Email domain verification (security:manage): a domain routes people to the organisation (home realm
 * discovery) and lets SSO link existing accounts only once verified by a DNS TXT record.
 */
export function domainOperations(domains: DomainVerification): Operation[] {
  return [
    operation({
      method: 'post', path: '/organization/domains/{domain}/challenge', operationId: 'getDomainChallenge', tag: 'Organization',
      summary: 'The TXT record to publish for a listed domain (the same until it is verified).',
      params, response: z.object({ domain: z.string(), recordName: z.string(), recordValue: z.string() }), errors: [409],
      handle: ({ actor, params: p }) => domains.issueToken({ id: actor.orgId }, p.domain, actor),
    }),
    operation({
      method: 'post', path: '/organization/domains/{domain}/verify', operationId: 'verifyDomain', tag: 'Organization',
      summary: 'Look the TXT record up now; the domain is verified when it is there.',
      params, response: z.object({ domain: z.string(), verified: z.boolean(), verifiedAt: z.string().optional() }), errors: [409],
      handle: async ({ actor, params: p }) => {
        const { domain, verified, verifiedAt } = await domains.verify(actor, actor.orgId, p.domain);
        return { domain, verified, ...(verifiedAt ? { verifiedAt } : {}) };
      },
    }),
  ];
}
