import type { Command } from 'commander';
import { hashPassword } from '../../directory/passwords.ts';
import { newSecret } from '../../directory/secrets.ts';
import type { Client } from '../../oidc/model.ts';
import type { ClientEntry } from '../bootstrap/entries.ts';
import { importBootstrap } from '../bootstrap/import.ts';
import type { CliContext } from '../context.ts';
import { collect, withOptionPaths } from '../refusals.ts';

/*
 * `client register`: declares a relying app through the bootstrap importer (same validation, secret digest and
 * idempotency); registering the same id again brings it to what the options say.
 * - the options describe the whole client: a flag left out means off, no --org means every organisation
 * - a confidential client gets a generated secret when it has none yet, or with --rotate-secret; the secret is
 *   printed once and only its digest is stored. Re-registering keeps the stored secret, and prints none.
 * - `--public` clients (PKCE, no secret) lose any stored secret
 */

interface RegisterOptions {
  id: string;
  name: string;
  redirectUri: string[];
  postLogoutRedirectUri: string[];
  org: string[];
  firstParty?: boolean;
  public?: boolean;
  rotateSecret?: boolean;
}

const usesSecret = (client: Client | undefined) => client?.clientSecretHash != null
  && (client.tokenEndpointAuthMethod === 'client_secret_basic' || client.tokenEndpointAuthMethod === 'client_secret_post');

export function registerClientCommands(program: Command, cli: CliContext): void {
  program.command('client')
    .description('relying apps (OIDC clients)')
    .command('register')
    .description('create or update a client; a confidential client\'s new secret is printed once')
    .requiredOption('--id <clientId>', 'client_id (natural key)')
    .requiredOption('--name <name>', 'name shown on sign-in and consent pages')
    .requiredOption('--redirect-uri <uri>', 'exact redirect URI (repeatable)', collect)
    .option('--post-logout-redirect-uri <uri>', 'where the app may return after logout (repeatable)', collect, [])
    .option('--first-party', 'skip the consent screen')
    .option('--public', 'public client: no secret, PKCE only (native and single-page apps)')
    .option('--org <slug>', 'only members of this organisation may use it (repeatable; none = every organisation)', collect, [])
    .option('--rotate-secret', 'replace the stored secret of a confidential client with a new one')
    .action((options: RegisterOptions) => cli.withStores(async ({ stores, catalog }) => {
      const stored = await stores.clients.find(options.id);
      const secret = !options.public && (options.rotateSecret || !usesSecret(stored)) ? newSecret() : undefined;
      const entry: ClientEntry = {
        clientId: options.id,
        name: options.name,
        redirectUris: options.redirectUri,
        postLogoutRedirectUris: options.postLogoutRedirectUri,
        firstParty: options.firstParty === true,
        allowedOrganizations: options.org,
        tokenEndpointAuthMethod: options.public ? 'none' : usesSecret(stored) ? stored!.tokenEndpointAuthMethod : 'client_secret_basic',
        ...(secret ? { clientSecret: secret } : {}),
      };
      const summary = await withOptionPaths(importBootstrap({ stores, hashPassword, catalog }, { clients: [entry] }), 'the client is invalid', (path) => {
        const field = path.replace(/^clients\[0\]\.?/, '');
        const listed = /^(redirectUris|postLogoutRedirectUris|allowedOrganizations)\[(\d+)\]$/.exec(field);
        if (listed) {
          const [option, values] = ({
            redirectUris: ['--redirect-uri', options.redirectUri],
            postLogoutRedirectUris: ['--post-logout-redirect-uri', options.postLogoutRedirectUri],
            allowedOrganizations: ['--org', options.org],
          } as const)[listed[1] as 'redirectUris'];
          return `${option} ${values[Number(listed[2])]}`;
        }
        return ({ clientId: '--id', name: '--name', redirectUris: '--redirect-uri', grantTypes: '--public' } as Record<string, string>)[field];
      });
      const outcome = summary.created.clients ? 'created' : summary.updated.clients ? 'updated' : 'unchanged';
      const client = (await stores.clients.get(options.id));
      cli.print(
        {
          outcome,
          client: { clientId: client.id, name: client.name, redirectUris: client.redirectUris, tokenEndpointAuthMethod: client.tokenEndpointAuthMethod, firstParty: client.firstParty },
          ...(secret ? { clientSecret: secret } : {}),
        },
        [`client ${client.id}: ${outcome}`, ...(secret ? [`client secret (shown once, store it now): ${secret}`] : [])].join('\n'),
      );
    }));
}
