import { z } from 'zod';
import { ForbiddenError, ValidationError } from '../common/errors.ts';
import { issueProblems } from '../common/problems.ts';
import type { Stores } from '../store/stores.ts';
import { actorRef, type Actor } from './actor.ts';
import { LOGIN_METHODS, type Organization } from './model.ts';

const domainName = z.string().trim().toLowerCase().max(253)
  .regex(/^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/, 'must be a DNS name');

export const organizationChangeSchema = z.strictObject({
  name: z.string().trim().min(1).max(200).optional().describe('Display name. Needs organization:manage.'),
  loginPolicy: z.strictObject({
    methods: z.array(z.enum(LOGIN_METHODS as ['password', 'google', 'saml'])).min(1).optional()
      .describe('Allowed sign-in methods. Needs security:manage.'),
    googleHostedDomains: z.array(domainName).optional().describe('Google Workspace domains allowed (`hd`); empty = any.'),
    ownerPasswordFallback: z.boolean().optional().describe('Owners keep password sign-in while SSO is enforced.'),
  }).optional().describe('How members sign in. Needs security:manage.'),
  mfaPolicy: z.enum(['required', 'optional']).optional().describe('Email one-time passwords for everyone, or by choice. Needs security:manage.'),
  domains: z.array(domainName).max(50).optional()
    .describe('Email domains. New ones start unverified; verification keeps its state for domains already listed. Needs security:manage.'),
}).describe('Changes to the organisation\'s settings; omitted fields stay as they are.');

export type OrganizationChange = z.infer<typeof organizationChangeSchema>;

export interface OrganizationView {
  id: string;
  slug: string;
  name: string;
  domains: { domain: string; verified: boolean }[];
  loginPolicy: Organization['loginPolicy'];
  mfaPolicy: Organization['mfaPolicy'];
  limits: Organization['limits'];
  usage: { users: number; groups: number };
}

/*
 * The organisation's own settings, as its admins see and change them:
 * - every member of the organisation may read them (members see which sign-in methods apply to them)
 * - the name needs organization:manage (owner); sign-in policy, MFA and domains need security:manage
 * - limits are the plan's: read-only here, set by the operator (bootstrap file or CLI)
 */
export function createOrganizationSettings(deps: { stores: Stores }) {
  const { stores } = deps;

  async function view(org: Organization): Promise<OrganizationView> {
    const [users, groups] = await Promise.all([
      stores.memberships.count({ orgId: org.id }),
      stores.groups.count({ orgId: org.id }),
    ]);
    return {
      id: org.id, slug: org.slug, name: org.name,
      domains: org.domains.map(({ domain, verified }) => ({ domain, verified })),
      loginPolicy: org.loginPolicy, mfaPolicy: org.mfaPolicy, limits: org.limits,
      usage: { users, groups },
    };
  }

  return {
    async get(actor: Actor): Promise<OrganizationView> {
      return view(await stores.organizations.get(actor.orgId));
    },

    async update(actor: Actor, input: unknown): Promise<OrganizationView> {
      const parsed = organizationChangeSchema.safeParse(input);
      if (!parsed.success) {
        throw new ValidationError('invalid organization settings', parsed.error.issues.flatMap((issue) => issueProblems(issue)));
      }
      const change = parsed.data;
      if (change.name !== undefined && !actor.permissions.has('organization:manage')) {
        throw new ForbiddenError('forbidden', 'Only the owner can rename the organization');
      }
      if ((change.loginPolicy || change.mfaPolicy || change.domains) && !actor.permissions.has('security:manage')) {
        throw new ForbiddenError('forbidden', 'Changing sign-in and security settings needs the security permission');
      }
      const updated = await stores.organizations.update(actor.orgId, (current) => ({
        ...(change.name !== undefined ? { name: change.name } : {}),
        ...(change.mfaPolicy !== undefined ? { mfaPolicy: change.mfaPolicy } : {}),
        ...(change.loginPolicy ? { loginPolicy: { ...current.loginPolicy, ...change.loginPolicy } } : {}),
        ...(change.domains ? {
          domains: [...new Set(change.domains)].map((domain) =>
            current.domains.find((d) => d.domain === domain) ?? { domain, verified: false }),
        } : {}),
      }));
      await stores.audit.record({
        orgId: actor.orgId, actor: actorRef(actor), action: 'organization.updated', target: `organization:${actor.orgId}`,
        outcome: 'success', requestId: actor.requestId ?? null, ip: actor.ip ?? null,
        details: { fields: Object.keys(change) },
      });
      return view(updated);
    },
  };
}

export type OrganizationSettings = ReturnType<typeof createOrganizationSettings>;
