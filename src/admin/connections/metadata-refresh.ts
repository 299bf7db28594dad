import type { Logger } from 'pino';
import type { ConnectionStore } from '../../federation/ports.ts';
import { refreshFromUrl, type ConnectionsDeps } from './service.ts';

/*
 * Keeps SAML connections' certificates in step with their IdPs' metadata URLs, so that an IdP publishing a new
 * signing certificate (ahead of switching to it, as rollovers do) is trusted before its first signed response.
 * Every instance runs it; the updates are idempotent. A failed fetch keeps the certificates the connection has.
 */
export function startMetadataRefresh(deps: Pick<ConnectionsDeps, 'fetchMetadata'> & {
  stores: ConnectionsDeps['stores'] & { connections: ConnectionStore };
  intervalMs: number;
  logger: Logger;
}) {
  async function refreshAll(): Promise<number> {
    let refreshed = 0;
    let cursor: string | undefined;
    do {
      const page = await deps.stores.connections.list({ where: { kind: 'saml' }, limit: 200, ...(cursor ? { cursor } : {}) });
      for (const connection of page.items) {
        const url = connection.settings.metadataUrl;
        if (typeof url !== 'string') continue;
        try {
          const updated = await refreshFromUrl(deps, connection, url);
          if (updated !== connection) {
            refreshed++;
            deps.logger.info({ connectionId: connection.id, orgId: connection.orgId }, 'SAML metadata refreshed: new IdP certificates');
          }
        } catch (error) {
          deps.logger.warn({ err: error, connectionId: connection.id, orgId: connection.orgId }, 'SAML metadata refresh failed; keeping the current certificates');
        }
      }
      cursor = page.next;
    } while (cursor);
    return refreshed;
  }

  let running: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    running ??= refreshAll().catch((error: unknown) => deps.logger.warn({ err: error }, 'SAML metadata refresh failed')).finally(() => { running = undefined; });
  }, deps.intervalMs);
  timer.unref();

  return {
    refreshAll,
    stop: () => clearInterval(timer),
  };
}
