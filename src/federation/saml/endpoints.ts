import type { Connection } from '../model.ts';

/*
 * Our side of one connection, as the IdP admin registers it. Each connection has its own entity ID and ACS
 * URL, so an assertion issued for one connection fails the Audience and Recipient checks of every other,
 * even when two organisations use the same IdP.
 */
export interface SpEndpoints {
  spEntityId: string;
  acsUrl: string;
  metadataUrl: string;
}

export function spEndpoints(publicUrl: string, connection: Pick<Connection, 'id'>, spEntityIdOverride?: string): SpEndpoints {
  const base = `${publicUrl.replace(/\/+$/, '')}/saml/${encodeURIComponent(connection.id)}`;
  return { spEntityId: spEntityIdOverride ?? base, acsUrl: `${base}/acs`, metadataUrl: `${base}/metadata` };
}
