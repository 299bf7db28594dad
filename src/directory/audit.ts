import { z } from 'zod';
import { AppError } from '../common/errors.ts';
import { actorRef, type Actor } from './actor.ts';
import { requirePermission } from './access.ts';
import type { DirectoryContext } from './context.ts';
import { pageSchema, parseInput, type Page } from './input.ts';
import type { AuditEvent } from './model.ts';
import type { AuditLog } from './ports.ts';

/*
 * - every administrative change records one event: who (actorRef), in which organisation, on what, with which
 *   outcome, the request id and IP; refusals (403, 409, 410: denied, conflicting, limit reached, dead link)
 *   are recorded too, with the refusal's code as `details.reason`
 * - details never hold secrets: keys that look like one (password, token, secret, hash, code) are dropped
 *   whatever the caller passes, as a second line of defence
 * - reading the log needs AUDIT_READ_PERMISSION
 */

/**
 * `security:manage`: the log records sign-in, API key and security events besides user management, so it is
 * for those who administer the organisation's security (owner and account-admin in the default catalog).
 */
export const AUDIT_READ_PERMISSION = 'security:manage';

/** Who acted when there is no Actor (invitation acceptance, password reset, anonymous requests). */
export interface AuditSource {
  /** `user:<id>`, `apikey:<id>`, `system` or `anonymous`. */
  actor: string;
  orgId: string | null;
  requestId?: string;
  ip?: string;
}

export interface AuditEntry {
  target?: string | null;
  outcome?: AuditEvent['outcome'];
  details?: Record<string, unknown>;
}

const SECRET_KEY = /password|passcode|token|secret|hash|otp|^code$|^key$/i;

function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value)
    .filter(([key]) => !SECRET_KEY.test(key))
    .map(([key, v]) => [key, withoutSecrets(v)]));
}

function sourceOf(actor: Actor | AuditSource): AuditSource {
  if ('kind' in actor) return { actor: actorRef(actor), orgId: actor.orgId, requestId: actor.requestId, ip: actor.ip };
  return actor;
}

export function recordAudit(stores: { audit: AuditLog }, actor: Actor | AuditSource, action: string, entry: AuditEntry = {}): Promise<AuditEvent> {
  const source = sourceOf(actor);
  return stores.audit.record({
    orgId: source.orgId,
    actor: source.actor,
    action,
    target: entry.target ?? null,
    outcome: entry.outcome ?? 'success',
    requestId: source.requestId ?? null,
    ip: source.ip ?? null,
    details: withoutSecrets(entry.details ?? {}) as Record<string, unknown>,
  });
}

export interface Audited<T> {
  result: T;
  /** Overrides the target given up front (e.g. the id of what was just created). */
  target?: string;
  details?: Record<string, unknown>;
}

const RECORDED_REFUSALS = new Set([403, 409, 410]);

/** Runs one change and records its event: success with the details it returns, or the refusal's code. */
export async function audited<T>(
  stores: { audit: AuditLog },
  actor: Actor | AuditSource,
  action: string,
  target: string | null,
  run: () => Promise<Audited<T>>,
): Promise<T> {
  let outcome: Audited<T>;
  try {
    outcome = await run();
  } catch (error) {
    if (error instanceof AppError && RECORDED_REFUSALS.has(error.status)) {
      await recordAudit(stores, actor, action, { target, outcome: 'failure', details: { reason: error.code } });
    }
    throw error;
  }
  await recordAudit(stores, actor, action, { target: outcome.target ?? target, details: outcome.details ?? {} });
  return outcome.result;
}

export const listAuditInputSchema = z.strictObject({
  action: z.string().min(1).max(100).optional().describe('Only events of this action, e.g. `member.suspended`.'),
  actor: z.string().min(1).max(200).optional().describe('Only events of this actor, e.g. `user:01J...`.'),
  outcome: z.enum(['success', 'failure']).optional(),
  since: z.iso.datetime().optional().describe('Only events at or after this instant (ISO 8601).'),
  until: z.iso.datetime().optional().describe('Only events before this instant (ISO 8601).'),
  ...pageSchema,
});
export type ListAuditInput = z.input<typeof listAuditInputSchema>;

export interface AuditService {
  /** The organisation's events, oldest first (creation order), filtered. Requires AUDIT_READ_PERMISSION. */
  list(actor: Actor, input?: ListAuditInput): Promise<Page<AuditEvent>>;
  record(actor: Actor | AuditSource, action: string, entry?: AuditEntry): Promise<AuditEvent>;
}

export function createAuditService(ctx: DirectoryContext): AuditService {
  return {
    async list(actor, input = {}) {
      requirePermission(actor, AUDIT_READ_PERMISSION);
      const filters = parseInput(listAuditInputSchema, input);
      const createdAt = filters.since || filters.until
        ? { ...(filters.since ? { $gte: new Date(filters.since).toISOString() } : {}), ...(filters.until ? { $lt: new Date(filters.until).toISOString() } : {}) }
        : undefined;
      return ctx.stores.audit.list({
        where: { orgId: actor.orgId, action: filters.action, actor: filters.actor, outcome: filters.outcome, createdAt },
        ...(filters.cursor ? { cursor: filters.cursor } : {}),
        ...(filters.limit ? { limit: filters.limit } : {}),
      });
    },
    record: (actor, action, entry) => recordAudit(ctx.stores, actor, action, entry),
  };
}
