import type { Draft, ListOptions, Page, Repository } from '../common/entity.ts';
import type { ApiKey, AuditEvent, FederatedIdentity, Group, Invitation, Membership, Organization, User } from './model.ts';

export interface OrganizationStore extends Repository<Organization> {
  findBySlug(slug: string): Promise<Organization | undefined>;
  /** The organisation that has verified this email domain, if any. */
  findByVerifiedDomain(domain: string): Promise<Organization | undefined>;
}

export interface UserStore extends Repository<User> {
  /** Case- and Unicode-normalisation-insensitive. */
  findByEmail(email: string): Promise<User | undefined>;
}

export interface MembershipStore extends Repository<Membership> {
  findFor(orgId: string, userId: string): Promise<Membership | undefined>;
}

export interface GroupStore extends Repository<Group> {
  /** Case-insensitive within the organisation. */
  findByName(orgId: string, name: string): Promise<Group | undefined>;
}

export interface InvitationStore extends Repository<Invitation> {
  findByTokenHash(tokenHash: string): Promise<Invitation | undefined>;
}

export interface ApiKeyStore extends Repository<ApiKey> {
  findByPrefix(prefix: string): Promise<ApiKey | undefined>;
}

export interface FederatedIdentityStore extends Repository<FederatedIdentity> {
  /** Exact match on the subject (a NameID or `sub` is case-sensitive). */
  findBySubject(connectionId: string, subject: string): Promise<FederatedIdentity | undefined>;
}

/** Append-only: events are recorded and listed, never changed. */
export interface AuditLog {
  record(event: Draft<AuditEvent>): Promise<AuditEvent>;
  list(options?: ListOptions<AuditEvent>): Promise<Page<AuditEvent>>;
}
