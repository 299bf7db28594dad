import * as client from 'openid-client';
import type { Flow } from '../load.ts';
import type { RelyingApp } from './rp.ts';
import type { StepTimes } from './timed-browser.ts';

/*
 * The token endpoint alone:
 * - refresh_token: each virtual user holds one chain of refresh tokens and rotates it (each answer carries
 *   the next refresh token and a fresh ID token, which openid-client checks, signature included)
 * - client_credentials: a confidential service client asking for an access token
 */
export function refreshTokenGrant(deps: { app: RelyingApp; times: StepTimes; chains: string[] }): Flow {
  return async (_n, vu) => {
    const current = deps.chains[vu];
    if (!current) throw new Error(`no refresh token for virtual user ${vu}`);
    const refreshed = await deps.times.time('POST /token (refresh_token, ID token checked)', () => client.refreshTokenGrant(deps.app.config, current));
    if (!refreshed.refresh_token || !refreshed.id_token) throw new Error('refresh did not rotate the refresh token and issue an ID token');
    deps.chains[vu] = refreshed.refresh_token;
    return {};
  };
}

export function clientCredentialsGrant(deps: { service: RelyingApp; times: StepTimes }): Flow {
  return async () => {
    const tokens = await deps.times.time('POST /token (client_credentials)', () => client.clientCredentialsGrant(deps.service.config));
    if (!tokens.access_token) throw new Error('no access token');
    return {};
  };
}
