import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';

/*
 * org create, admin invite and users export through the real CLI process on a temporary embedded data dir
 * (mail goes to its development outbox).
 */
describe('CLI: organisations, invitations, export (embedded store)', () => {
  let dataDir: string;
  let env: Record<string, string>;
  const cli = (args: string[]) => runCli(args, env);
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'bk-cli-dir-'));
    env = { BRIDGEKEEPER_DATA_DIR: dataDir };
  });
  afterAll(async () => { await rm(dataDir, { recursive: true, force: true }); });

  const acme = ['org', 'create', '--slug', 'acme', '--name', 'Acme', '--verified-domain', 'acme.test', '--methods', 'password,saml', '--mfa', 'required'];

  it('creates an organisation, and creating it again with the same settings changes nothing', async () => {
    const first = await cli(['--json', ...acme]);
    expect(first.code).toBe(0);
    const created = first.json<{ created: boolean; organization: { id: string; mfaPolicy: string; domains: unknown[] } }>();
    expect(created.created).toBe(true);
    expect(created.organization).toMatchObject({ mfaPolicy: 'required', domains: [{ domain: 'acme.test', verified: true }] });

    // Same settings, methods in another order, settings left out: a no-op success.
    const again = await cli(['--json', 'org', 'create', '--slug', 'acme', '--name', 'Acme', '--methods', 'saml,password']);
    expect(again.code).toBe(0);
    expect(again.json()).toMatchObject({ created: false, organization: { id: created.organization.id } });
  });

  it('refuses an existing slug with other settings, naming each option, and exits 1', async () => {
    const result = await cli(['org', 'create', '--slug', 'acme', '--name', 'Acme Corp', '--mfa', 'optional']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('already exists with other settings');
    expect(result.stderr).toContain('bootstrap file or the admin API');
    expect(result.stderr).toMatch(/--name: stored "Acme", given "Acme Corp"/);
    expect(result.stderr).toContain('--mfa');
    const json = await cli(['--json', 'org', 'create', '--slug', 'acme', '--name', 'Acme Corp']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stderr).error.problems).toEqual([{ path: '--name', message: 'stored "Acme", given "Acme Corp"' }]);
  });

  it('refuses invalid values by option (exit 1) and bad usage (exit 2)', async () => {
    const invalid = await cli(['org', 'create', '--slug', 'Not A Slug', '--name', 'X', '--methods', 'password,fax', '--domain', 'BAD_DOMAIN']);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('--slug:');
    expect(invalid.stderr).toContain('--methods:');
    expect(invalid.stderr).toContain('--domain BAD_DOMAIN:');
    const taken = await cli(['org', 'create', '--slug', 'other', '--name', 'Other', '--verified-domain', 'acme.test']);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain('--verified-domain acme.test: "acme.test" is already verified by organization "acme"');
    expect((await cli(['org', 'create', '--slug', 'x'])).code).toBe(2);
    expect((await cli(['org', 'create', '--slug', 'x', '--name', 'X', '--mfa', 'sometimes'])).code).toBe(2);
    expect((await cli(['org', 'frobnicate'])).code).toBe(2);
  });

  it('invites through the directory and the mailer, printing the invitation id and never the token', async () => {
    const result = await cli(['--json', 'admin', 'invite', '--org', 'acme', '--email', 'Ann@Acme.test', '--role', 'developer']);
    expect(result.code).toBe(0);
    const { invitation, created, sent } = result.json<{ invitation: { id: string; email: string }; created: boolean; sent: boolean }>();
    expect({ created, sent, email: invitation.email }).toEqual({ created: true, sent: true, email: 'ann@acme.test' });
    const mails = await outbox();
    expect(mails).toHaveLength(1);
    const token = /token=([\w-]+)/.exec(mails[0]!.text)![1]!;
    expect(mails[0]).toMatchObject({ kind: 'invitation', to: 'ann@acme.test' });
    expect(result.stdout + result.stderr).not.toContain(token);

    const again = await cli(['--json', 'admin', 'invite', '--org', 'acme', '--email', 'ann@acme.test', '--role', 'developer']);
    expect(again.code).toBe(0);
    expect(again.json()).toMatchObject({ created: false, sent: false, invitation: { id: invitation.id } });
    expect(await outbox()).toHaveLength(1);

    const resent = await cli(['admin', 'invite', '--org', 'acme', '--email', 'ann@acme.test', '--role', 'developer', '--resend']);
    expect(resent.code).toBe(0);
    expect(resent.stdout).toContain(`invitation ${invitation.id} resent`);
    const newToken = /token=([\w-]+)/.exec((await outbox()).find((m) => !m.text.includes(token))!.text)![1]!;
    expect(resent.stdout).not.toContain(newToken);
  });

  it('refuses invitations it cannot make, by option', async () => {
    const otherRoles = await cli(['admin', 'invite', '--org', 'acme', '--email', 'ann@acme.test', '--role', 'analyst']);
    expect(otherRoles.code).toBe(1);
    expect(otherRoles.stderr).toContain('exists with other roles or groups');
    const unknownRole = await cli(['admin', 'invite', '--org', 'acme', '--email', 'bob@acme.test', '--role', 'wizard']);
    expect(unknownRole.code).toBe(1);
    expect(unknownRole.stderr).toContain('--role wizard');
    const unknownOrg = await cli(['admin', 'invite', '--org', 'nowhere', '--email', 'bob@acme.test']);
    expect(unknownOrg.code).toBe(1);
    expect(unknownOrg.stderr).toContain('--org: unknown organization "nowhere"');
    expect((await cli(['admin', 'invite', '--org', 'acme'])).code).toBe(2);
  });

  it('exports members as JSON and CSV without any secret', async () => {
    const file = join(dataDir, 'people.yaml');
    await writeFile(file, [
      'users:',
      '  - { email: owner@acme.test, name: "=cmd|calc", password: "correct horse battery staple" }',
      '  - { email: dev@acme.test, name: \'Dev, "D"\', passwordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA" }',
      'groups:',
      '  - { org: acme, name: Editors, roles: [developer] }',
      'memberships:',
      '  - { user: owner@acme.test, org: acme, roles: [owner] }',
      '  - { user: dev@acme.test, org: acme, groups: [Editors], roles: [{ role: source-viewer, scope: { type: source, ids: [s1, s2] } }] }',
    ].join('\n'));
    expect((await cli(['bootstrap', 'import', file])).code).toBe(0);

    const jsonFile = join(dataDir, 'members.json');
    const written = await cli(['--json', 'users', 'export', '--org', 'acme', '--output', jsonFile]);
    expect(written.code).toBe(0);
    expect(written.json()).toMatchObject({ count: 2, file: jsonFile });
    expect((await stat(jsonFile)).mode & 0o077).toBe(0);
    const text = await readFile(jsonFile, 'utf8');
    const members = JSON.parse(text) as Record<string, unknown>[];
    expect(members.map((m) => m.email).sort()).toEqual(['dev@acme.test', 'owner@acme.test']);
    expect(members.find((m) => m.email === 'dev@acme.test')).toMatchObject({
      status: 'active', roles: ['source-viewer(source:s1|s2)'], groups: ['Editors'], lastLoginAt: null,
    });
    const csvFile = join(dataDir, 'members.csv');
    expect((await cli(['users', 'export', '--org', 'acme', '--format', 'csv', '--output', csvFile])).code).toBe(0);
    const csv = await readFile(csvFile, 'utf8');
    expect(csv.split('\r\n')[0]).toBe('email,name,status,accountStatus,emailVerified,roles,groups,loginMethods,source,lastLoginAt,joinedAt');
    expect(csv).toContain('"\'=cmd|calc"');
    expect(csv).toContain('"Dev, ""D"""');
    for (const exported of [text, csv]) {
      expect(exported).not.toMatch(/argon2|passwordHash|hash|token|secret|correct horse/i);
    }
    const stdout = await cli(['users', 'export', '--org', 'acme', '--format', 'csv']);
    expect(stdout.stdout).toBe(csv);
    expect((await cli(['users', 'export', '--org', 'nowhere'])).code).toBe(1);
    expect((await cli(['users', 'export', '--org', 'acme', '--format', 'xml'])).code).toBe(2);
  });

  async function outbox(): Promise<{ kind: string; to: string; text: string }[]> {
    const dir = join(dataDir, 'outbox');
    const names = await readdir(dir).catch(() => [] as string[]);
    return Promise.all(names.map(async (name) => JSON.parse(await readFile(join(dir, name), 'utf8'))));
  }
});
