import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { createLogger } from '../../src/http/logger.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import { freePort } from './services.ts';

export type Backends = 'embedded' | 'redis+ferretdb';

export interface TestServer extends RunningServer {
  issuer: string;
  /** Where this instance really listens (differs from the issuer for instances behind one public URL). */
  direct: string;
  config: Config;
  stop(): Promise<void>;
}

/**
 * Starts Bridgekeeper in this process on a free loopback port, with the bootstrap file given and either the
 * embedded default or the real Redis + FerretDB of the global set-up. Instances started with the same
 * `shared` name use the same database and key prefix (several instances of one deployment).
 */
export async function startBridgekeeper(options: {
  backends: Backends;
  bootstrap: string;
  shared?: { database: string; keyPrefix: string; publicUrl?: string };
  env?: Record<string, string>;
  port?: number;
}): Promise<TestServer> {
  const port = options.port ?? await freePort();
  const dataDir = await mkdtemp(join(tmpdir(), 'bk-it-'));
  const env: Record<string, string> = {
    BRIDGEKEEPER_SERVER__PORT: String(port),
    BRIDGEKEEPER_SERVER__PUBLIC_URL: options.shared?.publicUrl ?? `http://127.0.0.1:${port}`,
    BRIDGEKEEPER_DATA_DIR: dataDir,
    BRIDGEKEEPER_BOOTSTRAP__FILE: options.bootstrap,
    BRIDGEKEEPER_LOG__LEVEL: 'silent',
    ...options.env,
  };
  if (options.backends === 'redis+ferretdb') {
    const suffix = Math.random().toString(36).slice(2, 10);
    env.BRIDGEKEEPER_REDIS__URL = options.env?.BRIDGEKEEPER_REDIS__URL ?? inject('redisUrl');
    env.BRIDGEKEEPER_REDIS__KEY_PREFIX = options.shared?.keyPrefix ?? `bk-${suffix}:`;
    env.BRIDGEKEEPER_MONGODB__URL = options.env?.BRIDGEKEEPER_MONGODB__URL ?? inject('mongoUrl');
    env.BRIDGEKEEPER_MONGODB__DATABASE = options.shared?.database ?? `bk_it_${suffix}`;
  }
  const { config } = loadConfig({ env });
  const server = await startServer(config, createLogger(process.env.BK_TEST_LOG ?? 'silent'));
  return {
    ...server,
    issuer: config.server.publicUrl,
    direct: `http://127.0.0.1:${port}`,
    config,
    async stop() {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
