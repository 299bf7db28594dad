import { randomBytes } from 'node:crypto';
import { AppError, ConflictError, NotFoundError } from '../common/errors.ts';
import { requirePermission } from './access.ts';
import type { Actor } from './actor.ts';
import { recordAudit } from './audit.ts';
import type { EmailDomain, Organization } from './model.ts';
import type { AuditLog, OrganizationStore } from './ports.ts';
import type { TxtResolver } from './txt-resolver.ts';

/*
 * Proof that an organisation controls an email domain, before that domain routes sign-ins to it (home realm
 * discovery) or lets it claim users:
 * - the admin publishes TXT `bridgekeeper-verification=<token>` at `_bridgekeeper.<domain>`. An underscored
 *   leaf (RFC 8552) rather than the apex: it does not crowd the apex TXT set that SPF and other vendors'
 *   records share (RFC 7208 3.2 allows only one SPF record there, and large apex answers fall back to TCP),
 *   and the name can be delegated by CNAME to whoever runs the verification
 * - the token is 192 random bits, issued once per domain entry and kept until verified, so re-issuing does
 *   not invalidate a record already published; a record is matched exactly, after joining its
 *   character-strings (a long TXT value is split in 255-byte pieces, RFC 1035 3.3.14)
 * - one domain, one organisation: the store's verifiedDomain unique key refuses a second verification even
 *   when two race; the check before the lookup only gives the clearer error sooner
 * - every change goes through an update function, so concurrent edits of the organisation compose
 */
export const TXT_PREFIX = 'bridgekeeper-verification=';
export const RECORD_LABEL = '_bridgekeeper';

export interface DomainChallenge {
  domain: string;
  /** Where the TXT record goes. */
  recordName: string;
  /** The record's exact value. */
  recordValue: string;
}

export type NotVerifiedReason = 'record_missing' | 'lookup_failed' | 'no_token';

/** The record was not found (or could not be looked up); says what was asked for and what DNS answered. */
export class DomainNotVerifiedError extends AppError {
  readonly reason: NotVerifiedReason;
  readonly recordName: string;
  readonly expectedValue: string;
  /** The TXT values found at `recordName` (none when the name does not exist). */
  readonly found: readonly string[];

  constructor(reason: NotVerifiedReason, challenge: DomainChallenge, found: readonly string[], detail: string) {
    super(400, 'domain_not_verified', `${challenge.domain} is not verified: ${detail}`);
    this.reason = reason;
    this.recordName = challenge.recordName;
    this.expectedValue = challenge.recordValue;
    this.found = found;
  }
}

/** Another organisation verified the domain first. 409 like every uniqueness rule (ConflictError). */
export class DomainTakenError extends ConflictError {
  constructor(domain: string, options?: ErrorOptions) {
    super('verified domain', 'verifiedDomain', options);
    this.message = `${domain} is already verified by another organization`;
  }
}

export interface DomainVerificationDeps {
  stores: { organizations: OrganizationStore; audit: AuditLog };
  resolver: TxtResolver;
  now?: () => Date;
}

export function challengeFor(domain: string, token: string): DomainChallenge {
  return { domain, recordName: `${RECORD_LABEL}.${domain}`, recordValue: `${TXT_PREFIX}${token}` };
}

/** Lower case, no surrounding blanks, no trailing root dot: the form stored in Organization.domains. */
export function normalizeDomain(domain: string): string {
  return domain.trim().toLowerCase().replace(/\.$/, '');
}

export function createDomainVerification(deps: DomainVerificationDeps) {
  const { organizations, audit } = deps.stores;
  const now = deps.now ?? (() => new Date());

  function entryOf(org: Organization, domain: string): EmailDomain {
    const entry = org.domains.find((d) => d.domain === domain);
    if (!entry) throw new NotFoundError('domain');
    return entry;
  }

  function checkActor(actor: Actor | undefined, orgId: string): void {
    if (!actor) return;
    if (actor.orgId !== orgId) throw new NotFoundError('organization');
    requirePermission(actor, 'security:manage');
  }

  const patchDomain = (org: Organization, domain: string, change: (entry: EmailDomain) => EmailDomain) =>
    ({ domains: org.domains.map((d) => (d.domain === domain ? change(d) : d)) });

  async function lookup(challenge: DomainChallenge): Promise<string[]> {
    try {
      return (await deps.resolver.resolveTxt(challenge.recordName)).map((strings) => strings.join(''));
    } catch (error) {
      const code = (error as { code?: string }).code;
      // The name or its TXT set does not exist: an answer, not a failure (RFC 2308).
      if (code === 'ENOTFOUND' || code === 'ENODATA') return [];
      throw new DomainNotVerifiedError('lookup_failed', challenge, [], `the DNS lookup of ${challenge.recordName} failed (${code ?? 'error'})`);
    }
  }

  return {
    /**
     * The TXT record to publish for a listed, unverified domain; the same one on every call until verified.
     * @throws NotFoundError when the organisation does not list the domain; AppError 409 when already verified
     */
    async issueToken(org: Pick<Organization, 'id'>, domain: string, actor?: Actor): Promise<DomainChallenge> {
      checkActor(actor, org.id);
      const name = normalizeDomain(domain);
      const fresh = randomBytes(24).toString('base64url');
      const updated = await organizations.update(org.id, (current) => {
        const entry = entryOf(current, name);
        if (entry.verified) throw new AppError(409, 'domain_already_verified', `${name} is already verified`);
        return entry.verificationToken ? {} : patchDomain(current, name, (d) => ({ ...d, verificationToken: fresh }));
      });
      return challengeFor(name, entryOf(updated, name).verificationToken!);
    },

    /**
     * Looks the record up and marks the domain verified when it holds the token. Verifying a verified
     * domain again is a no-op. `actor` absent: the system (CLI, scheduled re-check).
     * @throws DomainNotVerifiedError, DomainTakenError (another organisation verified it), NotFoundError
     */
    async verify(actor: Actor | undefined, orgId: string, domain: string): Promise<EmailDomain> {
      checkActor(actor, orgId);
      const name = normalizeDomain(domain);
      const entry = entryOf(await organizations.get(orgId), name);
      if (entry.verified) return entry;
      const source = actor ?? { actor: 'system', orgId };
      const target = `organization:${orgId}`;
      try {
        const owner = await organizations.findByVerifiedDomain(name);
        if (owner && owner.id !== orgId) throw new DomainTakenError(name);
        if (!entry.verificationToken) {
          throw new DomainNotVerifiedError('no_token', challengeFor(name, ''), [], 'no verification record was issued yet');
        }
        const challenge = challengeFor(name, entry.verificationToken);
        const found = await lookup(challenge);
        if (!found.some((value) => value.trim() === challenge.recordValue)) {
          throw new DomainNotVerifiedError('record_missing', challenge, found,
            `no TXT record ${challenge.recordValue} at ${challenge.recordName}`);
        }
        const verifiedAt = now().toISOString();
        const updated = await organizations.update(orgId, (current) => {
          const latest = entryOf(current, name);
          if (latest.verified) return {};
          if (latest.verificationToken !== entry.verificationToken) {
            throw new DomainNotVerifiedError('record_missing', challenge, found, 'the verification record was reissued meanwhile');
          }
          return patchDomain(current, name, (d) => ({ ...d, verified: true, verifiedAt }));
        }).catch((error: unknown) => {
          // Lost a race with another organisation: the store's unique key decided.
          if (error instanceof ConflictError && error.key === 'verifiedDomain') throw new DomainTakenError(name, { cause: error });
          throw error;
        });
        await recordAudit({ audit }, source, 'organization.domain_verified', { target, details: { domain: name } });
        return entryOf(updated, name);
      } catch (error) {
        if (error instanceof AppError && error.status < 500) {
          const reason = error instanceof DomainNotVerifiedError ? error.reason : error.code;
          await recordAudit({ audit }, source, 'organization.domain_verified', { target, outcome: 'failure', details: { domain: name, reason } });
        }
        throw error;
      }
    },
  };
}

export type DomainVerification = ReturnType<typeof createDomainVerification>;
