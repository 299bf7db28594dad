import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Catalog } from '../../directory/catalog.ts';
import type { Organization } from '../../directory/model.ts';
import { hashPassword } from '../../directory/passwords.ts';
import type { Stores } from '../../store/stores.ts';
import { organizationDraft } from '../bootstrap/drafts.ts';
import type { OrganizationEntry } from '../bootstrap/entries.ts';
import { importBootstrap } from '../bootstrap/import.ts';
import { parseBootstrapDocument } from '../bootstrap/schema.ts';
import type { CliContext } from '../context.ts';
import { collect, refused, renamePaths, withOptionPaths } from '../refusals.ts';

/*
 * `org create`: one organisation, through the bootstrap importer (same validation, same defaults, same race
 * handling when instances create it at once).
 * - an existing slug with the settings given is a success that writes nothing (idempotent); settings left out
 *   are not compared
 * - an existing slug with other settings is refused: changing an organisation is the bootstrap file's or the
 *   admin API's job, where the change is reviewed or audited, not a side effect of a create
 */

export interface OrgCreateOptions {
  slug: string;
  name: string;
  domain: string[];
  verifiedDomain: string[];
  methods?: string[];
  mfa?: 'required' | 'optional';
  /** `unlimited` = no cap. */
  maxUsers?: number | 'unlimited';
  maxGroups?: number;
}

export async function createOrganization(
  deps: { stores: Stores; catalog: Catalog },
  options: OrgCreateOptions,
): Promise<{ organization: Organization; created: boolean }> {
  const domains = [...options.domain.map((domain) => ({ domain, verified: false })), ...options.verifiedDomain.map((domain) => ({ domain, verified: true }))];
  const limits = { ...(options.maxUsers !== undefined ? { maxUsers: options.maxUsers === 'unlimited' ? null : options.maxUsers } : {}), ...(options.maxGroups !== undefined ? { maxGroups: options.maxGroups } : {}) };
  const entry = {
    slug: options.slug,
    name: options.name,
    ...(domains.length > 0 ? { domains } : {}),
    ...(options.methods ? { loginPolicy: { methods: options.methods } } : {}),
    ...(options.mfa ? { mfaPolicy: options.mfa } : {}),
    ...(Object.keys(limits).length > 0 ? { limits } : {}),
  } as OrganizationEntry;
  const optionOf = (path: string) => optionPath(path, domains.map((d) => `${d.verified ? '--verified-domain' : '--domain'} ${d.domain}`));

  const parsed = parseBootstrapDocument({ organizations: [entry] });
  if (!parsed.success) throw refused('the organization is invalid', renamePaths(parsed.problems, optionOf));

  const stored = await deps.stores.organizations.findBySlug(entry.slug);
  if (stored) {
    const differing = differences(stored, organizationDraft(entry, stored));
    if (differing.length > 0) {
      throw refused(`organization "${stored.slug}" already exists with other settings; change it through the bootstrap file or the admin API`, differing);
    }
    return { organization: stored, created: false };
  }
  const summary = await withOptionPaths(
    importBootstrap({ stores: deps.stores, hashPassword, catalog: deps.catalog }, parsed.data),
    'the organization cannot be created',
    optionOf,
  );
  const organization = await deps.stores.organizations.findBySlug(entry.slug);
  return { organization: organization!, created: summary.created.organizations === 1 };
}

/** The settings an operator can give here, as comparable values (lists as sets). */
const SETTINGS: [option: string, value: (org: Pick<Organization, 'name' | 'domains' | 'loginPolicy' | 'mfaPolicy' | 'limits'>) => unknown][] = [
  ['--name', (o) => o.name],
  ['--domain/--verified-domain', (o) => o.domains.map((d) => `${d.domain}${d.verified ? ' (verified)' : ''}`).sort()],
  ['--methods', (o) => [...o.loginPolicy.methods].sort()],
  ['--mfa', (o) => o.mfaPolicy],
  ['--max-users', (o) => o.limits.maxUsers],
  ['--max-groups', (o) => o.limits.maxGroups],
];

function differences(stored: Organization, desired: ReturnType<typeof organizationDraft>) {
  return SETTINGS.flatMap(([option, value]) => {
    const [is, wanted] = [JSON.stringify(value(stored)), JSON.stringify(value(desired))];
    return is === wanted ? [] : [{ path: option, message: `stored ${is}, given ${wanted}` }];
  });
}

function optionPath(path: string, domainOptions: string[]): string | undefined {
  const field = path.replace(/^organizations\[0\]\.?/, '');
  const domain = /^domains\[(\d+)\]/.exec(field);
  if (domain) return domainOptions[Number(domain[1])] ?? '--domain';
  if (field.startsWith('loginPolicy.methods')) return '--methods';
  return ({ slug: '--slug', name: '--name', mfaPolicy: '--mfa', 'limits.maxUsers': '--max-users', 'limits.maxGroups': '--max-groups' } as Record<string, string>)[field];
}

function integer(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be a whole number');
  return Number(value);
}

export function registerOrgCommands(program: Command, cli: CliContext): void {
  program.command('org')
    .description('organisations')
    .command('create')
    .description('create an organisation; an existing one with these settings is left alone, with others refused')
    .requiredOption('--slug <slug>', 'URL-safe handle (natural key)')
    .requiredOption('--name <name>', 'display name')
    .option('--domain <domain>', 'email domain, not verified (repeatable)', collect, [])
    .option('--verified-domain <domain>', 'email domain you vouch for: routes its users to this organisation (repeatable)', collect, [])
    .option('--methods <list>', 'allowed login methods, comma-separated: password,google,saml (default password)', (v) => v.split(',').map((m) => m.trim()))
    .addOption(new Option('--mfa <policy>', 'email OTP for every member, or members choose (default optional)').choices(['required', 'optional']))
    // commander turns a parser's null into '', so "unlimited" stays a word until createOrganization.
    .option('--max-users <n>', 'plan cap on members, or "unlimited" (default 5)', (v) => (v === 'unlimited' ? v : integer(v)))
    .option('--max-groups <n>', 'plan cap on groups (default 5)', integer)
    .action((options: OrgCreateOptions) => cli.withStores(async (backends) => {
      const { organization, created } = await createOrganization(backends, options);
      const { id, slug, name, domains, loginPolicy, mfaPolicy, limits } = organization;
      cli.print(
        { created, organization: { id, slug, name, domains: domains.map((d) => ({ domain: d.domain, verified: d.verified })), loginPolicy, mfaPolicy, limits } },
        created ? `created organization ${slug} (${id})` : `organization ${slug} (${id}) already exists with these settings; nothing changed`,
      );
    }));
}
