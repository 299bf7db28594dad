import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { createApp } from './app.ts';
import { importBootstrap, loadBootstrapFile } from './cli/bootstrap/import.ts';
import type { Config } from './config/schema.ts';
import { loadCatalog } from './directory/catalog-file.ts';
import { hashPassword } from './directory/passwords.ts';
import { createMailer } from './mail/index.ts';
import { createMetrics, serveMetrics, type MetricsServer } from './metrics/index.ts';
import { openKv, openStores } from './store/open.ts';

export interface RunningServer {
  url: string;
  port: number;
  /** The scrape URL when metrics.enabled, on its own listener. */
  metricsUrl?: string;
  /** Picks up a change of the signing keys now instead of at the next periodic check. */
  refreshSigningKeys(): Promise<boolean>;
  /** Stops accepting connections, waits for open requests (bounded), then closes the stores. */
  close(): Promise<void>;
}

/** Opens the stores, imports the bootstrap file, builds the app and listens. Used by main.ts and tests. */
export async function startServer(config: Config, logger: Logger): Promise<RunningServer> {
  const catalog = loadCatalog(config.catalog.file);
  const metrics = createMetrics();
  const kv = openKv(config);
  const stores = await openStores(config, kv, metrics).catch(async (error: unknown) => {
    await kv.close();
    throw error;
  });
  if (config.bootstrap.file) {
    const path = resolve(config.bootstrap.file);
    const summary = await importBootstrap({ stores, hashPassword, catalog }, await loadBootstrapFile(path));
    logger.info({ file: path, summary }, 'bootstrap file imported');
  }
  const mail = createMailer(config.mail, resolve(config.dataDir));
  const { app, providers, stopBackground } = await createApp({ config, logger, stores, kv, catalog, mail, metrics });
  const server: Server = app.listen(config.server.port, config.server.host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  let metricsServer: MetricsServer | undefined;
  try {
    if (config.metrics.enabled) metricsServer = await serveMetrics({ metrics, host: config.metrics.host, port: config.metrics.port });
  } catch (error) {
    // A metrics port in use fails the start like a public port in use would, leaving nothing listening.
    stopBackground();
    await new Promise((done) => server.close(done));
    throw error;
  }

  let closing: Promise<void> | undefined;
  async function close(): Promise<void> {
    stopBackground();
    const metricsStopped = metricsServer?.close();
    const stopped = new Promise<void>((done) => server.close(() => done()));
    server.closeIdleConnections();
    const deadline = setTimeout(() => server.closeAllConnections(), config.server.shutdownTimeoutMs);
    await stopped;
    clearTimeout(deadline);
    await Promise.allSettled([stores.close(), kv.close(), mail.close(), metricsStopped]);
  }

  return {
    url: `http://${config.server.host}:${port}`,
    port,
    ...(metricsServer ? { metricsUrl: metricsServer.url } : {}),
    refreshSigningKeys: () => providers.refresh(),
    close: () => (closing ??= close()),
  };
}
