import { normalizeName } from '../../common/normalize.ts';
import type { BootstrapDocument } from './schema.ts';

/*
 * The entries of a parsed bootstrap document, by kind and by natural key:
 * - natural keys compare as the store does: slugs and names normalised, emails case-insensitively
 * - within one list, a second entry with the key of an earlier one is reported as its duplicate
 */

type Entries<K extends keyof BootstrapDocument> = NonNullable<BootstrapDocument[K]>;
export type OrganizationEntry = Entries<'organizations'>[number];
export type UserEntry = Entries<'users'>[number];
export type GroupEntry = Entries<'groups'>[number];
export type MembershipEntry = Entries<'memberships'>[number];
export type ClientEntry = Entries<'clients'>[number];
export type ConnectionEntry = Entries<'connections'>[number];

export type AddProblem = (path: string, message: string) => void;

export interface Indexed<E> {
  entry: E;
  path: string;
}

/** Entries by natural key; a second entry with the same key is reported. */
export function indexEntries<E>(
  entries: readonly E[] | undefined,
  list: string,
  key: (entry: E) => string,
  field: string,
  add: AddProblem,
): Map<string, Indexed<E>> {
  const index = new Map<string, Indexed<E>>();
  (entries ?? []).forEach((entry, i) => {
    const path = `${list}[${i}]`;
    const first = index.get(key(entry));
    if (first) add(`${path}.${field}`, `duplicate of ${first.path}`);
    else index.set(key(entry), { entry, path });
  });
  return index;
}

/** Groups and connections are named within their organisation. */
export function orgScopedKey(orgSlug: string, name: string): string {
  return `${normalizeName(orgSlug)}/${normalizeName(name)}`;
}
