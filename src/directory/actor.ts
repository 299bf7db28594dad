import type { RoleBinding } from './model.ts';

/*
 * Who performs a directory operation, in which organisation, with which rights. Built once per request by
 * the admin API (from an access token or an API key) or the console, and passed to every service call, so
 * that each rule is checked in one place whatever the entry point.
 */
export interface Actor {
  kind: 'user' | 'apikey' | 'system';
  /** User id, API key id, or 'system' (bootstrap, CLI). */
  id: string;
  /** The organisation the actor acts in; everything of another organisation is invisible (404). */
  orgId: string;
  /** The actor's role bindings in that organisation (membership roles plus its groups' roles). */
  bindings: RoleBinding[];
  /** Global permissions after expansion of `bindings` through the catalog. */
  permissions: ReadonlySet<string>;
  /** For audit events. */
  requestId?: string;
  ip?: string;
}

/** `user:<id>`, `apikey:<id>` or `system`, as recorded in audit events. */
export function actorRef(actor: Pick<Actor, 'kind' | 'id'>): string {
  return actor.kind === 'system' ? 'system' : `${actor.kind}:${actor.id}`;
}
