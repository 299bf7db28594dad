import { randomBytes } from 'node:crypto';
import { freePort } from '../test/support/services.ts';
import type { Target } from './measure.ts';
import { startServerProcess, type ServerProcess, type ServerRunAs } from './server-process.ts';
import { CALLBACK } from './world.ts';

/*
 * The two servers under test, each its own process on loopback:
 * - Bridgekeeper exactly as `npm start` runs it (`node src/main.ts`), configured by BRIDGEKEEPER_* variables
 *   for Redis, FerretDB, the bench's SMTP server and bootstrap file, logging warnings only, metrics served on
 *   a loopback port of their own (see server-metrics.ts). trustProxy is on
 *   because the driver plays the load balancer (X-Forwarded-For), see flows/timed-browser.ts
 * - the baseline, bench/baseline-server.ts, on the same Redis under its own key prefix
 */
export const BRIDGEKEEPER_PREFIX = 'bk:';
export const BASELINE_PREFIX = 'baseline:';

export interface RunningTarget {
  process: ServerProcess;
  target: Target;
}

export interface BridgekeeperOptions {
  redisUrl: string;
  mongoUrl: string;
  smtpPort: number;
  bootstrapFile: string;
  dataDir: string;
  secrets: { cookieKey: string; keyEncryptionKey: string };
  /** Its port, when something must know its URL before it starts (the Google stand-in's redirect URI). */
  port?: number;
  /** Extra node flags, e.g. the profiler hook. */
  nodeOptions?: string[];
  /** How every server under test runs: `--server-node-options`, `--server-memory`. */
  runAs?: ServerRunAs;
  /** Another checkout to run `src/main.ts` from (bench/compare.ts); this one by default. */
  root?: string;
  env?: Record<string, string>;
}

export function benchSecrets(): BridgekeeperOptions['secrets'] {
  return { cookieKey: randomBytes(32).toString('base64url'), keyEncryptionKey: randomBytes(32).toString('base64url') };
}

export async function startBridgekeeper(options: BridgekeeperOptions): Promise<RunningTarget> {
  const port = options.port ?? await freePort();
  const metricsPort = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const process = await startServerProcess({
    name: 'Bridgekeeper',
    args: ['src/main.ts'],
    url,
    ...(options.root ? { root: options.root } : {}),
    nodeOptions: options.nodeOptions ?? [],
    ...(options.runAs ? { runAs: options.runAs } : {}),
    env: {
      BRIDGEKEEPER_SERVER__HOST: '127.0.0.1',
      BRIDGEKEEPER_SERVER__PORT: String(port),
      BRIDGEKEEPER_SERVER__PUBLIC_URL: url,
      BRIDGEKEEPER_SERVER__TRUST_PROXY: 'true',
      BRIDGEKEEPER_DATA_DIR: options.dataDir,
      BRIDGEKEEPER_BOOTSTRAP__FILE: options.bootstrapFile,
      BRIDGEKEEPER_LOG__LEVEL: 'warn',
      BRIDGEKEEPER_REDIS__URL: options.redisUrl,
      BRIDGEKEEPER_REDIS__KEY_PREFIX: BRIDGEKEEPER_PREFIX,
      BRIDGEKEEPER_MONGODB__URL: options.mongoUrl,
      BRIDGEKEEPER_MONGODB__DATABASE: 'bench',
      BRIDGEKEEPER_MAIL__SMTP__HOST: '127.0.0.1',
      BRIDGEKEEPER_MAIL__SMTP__PORT: String(options.smtpPort),
      BRIDGEKEEPER_MAIL__SMTP__START_TLS: 'never',
      BRIDGEKEEPER_SECRETS__COOKIE_KEYS: JSON.stringify([options.secrets.cookieKey]),
      BRIDGEKEEPER_SECRETS__KEY_ENCRYPTION_KEY: options.secrets.keyEncryptionKey,
      BRIDGEKEEPER_METRICS__ENABLED: 'true',
      BRIDGEKEEPER_METRICS__HOST: '127.0.0.1',
      BRIDGEKEEPER_METRICS__PORT: String(metricsPort),
      ...options.env,
    },
  });
  return {
    process,
    target: {
      name: 'bridgekeeper', pid: process.pid, sessionPattern: `${BRIDGEKEEPER_PREFIX}k:oidc:Session:*`, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    },
  };
}

export async function startBaseline(options: { redisUrl: string; clientSecret: string; runAs?: ServerRunAs }): Promise<RunningTarget> {
  const port = await freePort();
  const process = await startServerProcess({
    name: 'baseline',
    args: ['bench/baseline-server.ts'],
    ...(options.runAs ? { runAs: options.runAs } : {}),
    url: `http://127.0.0.1:${port}`,
    env: {
      BASELINE_PORT: String(port),
      BASELINE_REDIS_URL: options.redisUrl,
      BASELINE_KEY_PREFIX: BASELINE_PREFIX,
      BASELINE_CLIENT_SECRET: options.clientSecret,
      BASELINE_CALLBACK: CALLBACK,
    },
  });
  return { process, target: { name: 'baseline', pid: process.pid, sessionPattern: `${BASELINE_PREFIX}k:oidc:Session:*` } };
}
