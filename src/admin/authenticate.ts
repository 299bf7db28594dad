import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { UnauthenticatedError } from '../common/errors.ts';
import type { Actor } from '../directory/actor.ts';
import type { ApiKey } from '../directory/model.ts';
import type { GrantContexts } from '../oidc/grant-context.ts';
import type { ClientStore } from '../oidc/ports.ts';

export const ADMIN_SCOPE = 'admin';

export interface AdminAuthDeps {
  provider: () => Provider;
  grantContexts: GrantContexts;
  clients: ClientStore;
  authenticateApiKey(presented: string): Promise<ApiKey | undefined>;
  buildActor(input: { kind: 'user' | 'apikey'; id: string; orgId: string }): Promise<Actor | undefined>;
}

/*
 * The admin API accepts two kinds of bearer credentials:
 * - an organisation API key (`bk_<prefix>_<secret>`), acting with the key's roles in the key's organisation;
 * - an access token Bridgekeeper issued to a first-party app with the `admin` scope, acting as the signed-in
 *   user in the organisation chosen at sign-in, with the roles that membership has now (a suspended member
 *   or a removed role stops working at once, not when the token expires).
 * Anything else, expired or revoked is a 401 with one generic message.
 */
export function createAdminAuthenticator(deps: AdminAuthDeps): (ctx: Context) => Promise<Actor> {
  const fromAccessToken = createAccessTokenActors(deps);
  return async function authenticateAdmin(ctx) {
    const match = /^Bearer ([\x21-\x7e]{16,2048})$/.exec(ctx.get('authorization'));
    if (!match) throw new UnauthenticatedError();
    const credential = match[1]!;
    const actor = credential.startsWith('bk_') ? await fromApiKey(credential) : await fromAccessToken(credential);
    if (!actor) throw new UnauthenticatedError('The credentials are not valid');
    return actor;
  };

  async function fromApiKey(credential: string): Promise<Actor | undefined> {
    const key = await deps.authenticateApiKey(credential);
    return key ? deps.buildActor({ kind: 'apikey', id: key.id, orgId: key.orgId }) : undefined;
  }
}

/**
 * The actor an access token acts as: one Bridgekeeper issued, unexpired, with the `admin` scope, to a
 * first-party client, for a grant whose organisation is known; the membership's roles are read now. Shared by
 * the admin API's bearer tokens and the console's session, so that both decide alike.
 */
export function createAccessTokenActors(deps: Pick<AdminAuthDeps, 'provider' | 'grantContexts' | 'clients' | 'buildActor'>) {
  return async function actorForAccessToken(credential: string): Promise<Actor | undefined> {
    const token = await deps.provider().AccessToken.find(credential);
    if (!token || token.isExpired || !token.accountId || !token.grantId) return undefined;
    if (!String(token.scope ?? '').split(' ').includes(ADMIN_SCOPE)) return undefined;
    const client = token.clientId ? await deps.clients.find(token.clientId) : undefined;
    if (!client?.firstParty) return undefined;
    const context = await deps.grantContexts.find(token.grantId);
    if (!context) return undefined;
    return deps.buildActor({ kind: 'user', id: token.accountId, orgId: context.orgId });
  };
}
