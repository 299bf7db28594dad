import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { linkIn, startPlainSmtp, type RunningSmtp, smtpEnv } from '../support/smtp.ts';

/* The operations commands against the production backends: FerretDB (MongoDB protocol), Redis and SMTP. */
describe('CLI on FerretDB, Redis and SMTP', () => {
  let dataDir: string;
  let smtp: RunningSmtp;
  let env: Record<string, string>;
  const cli = (args: string[]) => runCli(args, env);
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'bk-cli-mongo-'));
    smtp = await startPlainSmtp();
    const suffix = Math.random().toString(36).slice(2, 10);
    env = {
      BRIDGEKEEPER_DATA_DIR: dataDir,
      BRIDGEKEEPER_MONGODB__URL: inject('mongoUrl'),
      BRIDGEKEEPER_MONGODB__DATABASE: `bk_cli_${suffix}`,
      BRIDGEKEEPER_REDIS__URL: inject('redisUrl'),
      BRIDGEKEEPER_REDIS__KEY_PREFIX: `bk-cli-${suffix}:`,
      ...smtpEnv(smtp),
      BRIDGEKEEPER_SERVER__PUBLIC_URL: 'https://login.example.test',
    };
  });
  afterAll(async () => {
    await smtp?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('creates an organisation idempotently and refuses a changed one', async () => {
    const args = ['--json', 'org', 'create', '--slug', 'globex', '--name', 'Globex', '--domain', 'globex.test', '--max-users', '10'];
    const first = await cli(args);
    expect(first.code).toBe(0);
    expect(first.json()).toMatchObject({ created: true, organization: { limits: { maxUsers: 10, maxGroups: 5 } } });
    const second = await cli(args);
    expect(second.code).toBe(0);
    expect(second.json()).toMatchObject({ created: false });
    const changed = await cli(['org', 'create', '--slug', 'globex', '--name', 'Globex', '--max-users', 'unlimited']);
    expect(changed.code).toBe(1);
    expect(changed.stderr).toContain('--max-users: stored 10, given null');
  });

  it('invites by email over SMTP without printing the link', async () => {
    const result = await cli(['--json', 'admin', 'invite', '--org', 'globex', '--email', 'hank@globex.test', '--role', 'analyst']);
    expect(result.code).toBe(0);
    const { invitation } = result.json<{ invitation: { id: string } }>();
    expect(invitation.id).toBeTruthy();
    const mail = await smtp.waitFor('hank@globex.test');
    const link = linkIn(mail, 'https://login.example.test/account/invitation?token=');
    expect(result.stdout).not.toContain(new URL(link).searchParams.get('token'));
    expect((await cli(['--json', 'admin', 'invite', '--org', 'globex', '--email', 'hank@globex.test', '--role', 'analyst'])).json())
      .toMatchObject({ created: false, sent: false, invitation: { id: invitation.id } });
    expect(smtp.received).toHaveLength(1);
  });

  it('registers a client, rotates keys and exports members with no secrets', async () => {
    const client = await cli(['--json', 'client', 'register', '--id', 'globex-app', '--name', 'Globex', '--redirect-uri', 'https://globex.test/cb', '--org', 'globex']);
    expect(client.code).toBe(0);
    const secret = client.json<{ clientSecret: string }>().clientSecret;
    expect((await cli(['--json', 'client', 'register', '--id', 'globex-app', '--name', 'Globex', '--redirect-uri', 'https://globex.test/cb', '--org', 'globex'])).json())
      .toMatchObject({ outcome: 'unchanged' });
    const keys = await cli(['--json', 'keys', 'rotate', '--alg', 'ES256']);
    expect(keys.json<{ keys: { status: string }[] }>().keys).toEqual([expect.objectContaining({ status: 'next', created: true })]);

    const file = join(dataDir, 'globex.csv');
    const exported = await cli(['--json', 'users', 'export', '--org', 'globex', '--format', 'csv', '--output', file]);
    expect(exported.code).toBe(0);
    const csv = await readFile(file, 'utf8');
    expect(csv.startsWith('email,name,status')).toBe(true);
    expect(csv).not.toContain(secret);
    expect(csv).not.toMatch(/argon2|token|secret/i);
  });
});
