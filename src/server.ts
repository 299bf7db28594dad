import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { createApp } from './app.ts';
import type { Config } from './config/schema.ts';
import { openKv, openStores } from './store/open.ts';

export interface RunningServer {
  url: string;
  port: number;
  /** Stops accepting connections, waits for open requests (bounded), then closes the stores. */
  close(): Promise<void>;
}

/** Opens the stores, builds the app and listens. Used by main.ts and by integration tests. */
export async function startServer(config: Config, logger: Logger): Promise<RunningServer> {
  const stores = await openStores(config);
  const kv = openKv(config);
  const app = createApp({ config, logger, stores, kv });
  const server: Server = app.listen(config.server.port, config.server.host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  async function close(): Promise<void> {
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const deadline = setTimeout(() => server.closeAllConnections(), config.server.shutdownTimeoutMs);
    await stopped;
    clearTimeout(deadline);
    await Promise.allSettled([stores.close(), kv.close()]);
  }

  return {
    url: `http://${config.server.host}:${port}`,
    port,
    close: () => (closing ??= close()),
  };
}
