import { writeFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { createDirectory } from '../../directory/directory.ts';
import type { Member } from '../../directory/member-view.ts';
import type { RoleBinding } from '../../directory/model.ts';
import { createMemoryKv } from '../../store/kv/memory.ts';
import type { Stores } from '../../store/stores.ts';
import type { Catalog } from '../../directory/catalog.ts';
import type { CliContext } from '../context.ts';
import { refused } from '../refusals.ts';

/*
 * `users export`: an organisation's members as JSON or CSV, for audits and migrations. Only what an admin sees
 * (the directory's member view): never a password hash, token or secret. A file is created readable by its
 * owner only: it is personal data.
 */

export interface ExportedMember {
  email: string;
  name: string;
  status: Member['status'];
  accountStatus: Member['accountStatus'];
  emailVerified: boolean;
  roles: string[];
  groups: string[];
  loginMethods: string[];
  source: Member['source'];
  lastLoginAt: string | null;
  joinedAt: string;
}

export async function exportMembers(deps: { stores: Stores; catalog: Catalog }, slug: string): Promise<ExportedMember[]> {
  const org = await deps.stores.organizations.findBySlug(slug);
  if (!org) throw refused('cannot export', [{ path: '--org', message: `unknown organization "${slug}"` }]);
  // Listing members touches no short-lived state; a memory KV keeps the export from needing Redis.
  const directory = createDirectory({ stores: deps.stores, kv: createMemoryKv(), catalog: deps.catalog });
  const actor = directory.access.systemActor(org.id);
  const groupNames = new Map<string, string>();
  for (let cursor: string | undefined, first = true; first || cursor; first = false) {
    const page = await deps.stores.groups.list({ where: { orgId: org.id }, limit: 500, ...(cursor ? { cursor } : {}) });
    for (const group of page.items) groupNames.set(group.id, group.name);
    cursor = page.next;
  }
  const members: ExportedMember[] = [];
  for (let cursor: string | undefined, first = true; first || cursor; first = false) {
    const page = await directory.members.list(actor, { limit: 500, ...(cursor ? { cursor } : {}) });
    for (const m of page.items) {
      members.push({
        email: m.email, name: m.name, status: m.status, accountStatus: m.accountStatus, emailVerified: m.emailVerified,
        roles: m.roles.map(bindingText), groups: m.groupIds.map((id) => groupNames.get(id) ?? id), loginMethods: m.loginMethods,
        source: m.source, lastLoginAt: m.lastLoginAt, joinedAt: m.joinedAt,
      });
    }
    cursor = page.next;
  }
  return members;
}

/** `role`, or `role(type:id1|id2)` for a role limited to some resources. */
function bindingText(binding: RoleBinding): string {
  return binding.scope ? `${binding.role}(${binding.scope.type}:${binding.scope.ids.join('|')})` : binding.role;
}

const CSV_COLUMNS = ['email', 'name', 'status', 'accountStatus', 'emailVerified', 'roles', 'groups', 'loginMethods', 'source', 'lastLoginAt', 'joinedAt'] as const;

/** RFC 4180 fields; lists joined with ";". */
export function toCsv(members: readonly ExportedMember[]): string {
  const rows = members.map((m) => CSV_COLUMNS.map((column) => {
    const value = m[column];
    return csvField(Array.isArray(value) ? value.join(';') : value === null ? '' : String(value));
  }).join(','));
  return [CSV_COLUMNS.join(','), ...rows].map((row) => `${row}\r\n`).join('');
}

function csvField(text: string): string {
  // A name is what users (or their IdP) typed: a leading = + - @ would run as a formula in a spreadsheet
  // (OWASP "CSV Injection"), so it is quoted as text with a leading apostrophe.
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) || safe !== text ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function registerUsersCommands(program: Command, cli: CliContext): void {
  program.command('users')
    .description('members of an organisation')
    .command('export')
    .description('export the members of an organisation (no secrets)')
    .requiredOption('--org <slug>', 'organisation slug')
    .addOption(new Option('--format <format>', 'output format').choices(['json', 'csv']).default('json'))
    .option('--output <file>', 'write to this file (created owner-readable only) instead of standard output')
    .action((options: { org: string; format: 'json' | 'csv'; output?: string }) => cli.withStores(async (backends) => {
      const members = await exportMembers(backends, options.org);
      const text = options.format === 'csv' ? toCsv(members) : `${JSON.stringify(members, null, 2)}\n`;
      if (!options.output) {
        process.stdout.write(text);
        return;
      }
      await writeFile(options.output, text, { mode: 0o600 });
      cli.print({ org: options.org, format: options.format, count: members.length, file: options.output },
        `exported ${members.length} members of ${options.org} to ${options.output}`);
    }));
}
