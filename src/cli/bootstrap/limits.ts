import { normalizeName } from '../../common/normalize.ts';
import type { Stores } from '../../store/stores.ts';
import { organizationDraft } from './drafts.ts';
import type { AddProblem, GroupEntry, Indexed, MembershipEntry, OrganizationEntry } from './entries.ts';
import type { World } from './world.ts';

/*
 * Plan caps (ImageKit: 5 users, 5 groups), checked before anything is written:
 * - counted after the import, stored objects included; updating an existing object does not count
 * - the cap is the one the organisation will have after the import (the file may raise or lower it)
 * - the first entry past the cap is reported; when the stored objects alone exceed a lowered cap, the limit is
 */

interface CapEntry {
  org: string;
  path: string;
  /** False when the object already exists (updating it does not count against the cap). */
  isNew(): Promise<boolean>;
}

export async function checkLimits(
  stores: Stores,
  world: World,
  orgs: Map<string, Indexed<OrganizationEntry>>,
  memberships: Map<string, Indexed<MembershipEntry>>,
  groups: Map<string, Indexed<GroupEntry>>,
  add: AddProblem,
): Promise<void> {
  const caps = [{
    noun: 'users',
    field: 'maxUsers',
    count: (orgId: string) => stores.memberships.count({ orgId }),
    entries: [...memberships.values()].map(({ entry, path }): CapEntry => ({
      org: entry.org,
      path,
      isNew: async () => !(await world.membership(entry.org, entry.user)),
    })),
  }, {
    noun: 'groups',
    field: 'maxGroups',
    count: (orgId: string) => stores.groups.count({ orgId }),
    entries: [...groups.values()].map(({ entry, path }): CapEntry => ({
      org: entry.org,
      path,
      isNew: async () => !(await world.group(entry.org, entry.name)),
    })),
  }] as const;
  for (const cap of caps) {
    for (const slug of new Set([...orgs.keys(), ...cap.entries.map((e) => normalizeName(e.org))])) {
      const stored = await world.organization(slug);
      const indexed = orgs.get(slug);
      const max = (indexed ? organizationDraft(indexed.entry, stored) : stored)?.limits[cap.field];
      if (max === undefined || max === null) continue;
      const existing = stored ? await cap.count(stored.id) : 0;
      const added: CapEntry[] = [];
      for (const entry of cap.entries) if (normalizeName(entry.org) === slug && await entry.isNew()) added.push(entry);
      const total = existing + added.length;
      if (total <= max) continue;
      const first = added[Math.max(0, max - existing)];
      if (first) add(first.path, `organization "${slug}" allows at most ${max} ${cap.noun} (limits.${cap.field}); this file would bring it to ${total}`);
      else if (indexed) add(`${indexed.path}.limits.${cap.field}`, `organization "${slug}" already has ${existing} ${cap.noun}, more than ${max}`);
    }
  }
}
