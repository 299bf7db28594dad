import { Redis } from 'ioredis';
import mongoose from 'mongoose';
import { FERRETDB_VERSION, findFerretDb, findRedisServer, redisServerVersion } from '../test/support/binaries.ts';
import { freePort, startService, type RunningService } from '../test/support/services.ts';
import { findPid } from './proc.ts';

/*
 * The bench's own redis-server and FerretDB (SQLite handler), on loopback, started with the test suite's
 * helpers (same binaries, same flags) and stopped at the end. Their pids are found from their command lines,
 * so that their CPU can be read too.
 */
const HOST = '127.0.0.1';

export interface BenchServices {
  redisUrl: string;
  mongoUrl: string;
  redis: Redis;
  pids: { redis?: number; ferretdb?: number };
  versions: { redis: string; ferretdb: string };
  stop(): Promise<void>;
}

/**
 * `dataRoot` is where the services keep their files. The test suite's startService makes its dir under
 * os.tmpdir(), which reads TMPDIR on each call: it is pointed at `dataRoot` while the services start.
 */
export async function startBenchServices(dataRoot: string): Promise<BenchServices> {
  const redisBin = findRedisServer();
  const ferretBin = findFerretDb();
  if (!redisBin || !ferretBin) {
    throw new Error(`needs redis-server and FerretDB ${FERRETDB_VERSION}: run \`node scripts/ensure-test-services.ts\` first`);
  }
  const started: RunningService[] = [];
  const stopAll = () => Promise.all(started.map((service) => service.stop()));
  const tmpdir = process.env.TMPDIR;
  process.env.TMPDIR = dataRoot;
  try {
    const redisPort = await freePort();
    const redisUrl = `redis://${HOST}:${redisPort}`;
    started.push(await startService({
      name: 'redis',
      bin: redisBin,
      args: (dir) => ['--port', String(redisPort), '--bind', HOST, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', dir],
      ready: () => pingRedis(redisUrl),
    }));
    const mongoPort = await freePort();
    const debugPort = await freePort();
    const mongoUrl = `mongodb://${HOST}:${mongoPort}/`;
    started.push(await startService({
      name: 'ferretdb',
      bin: ferretBin,
      args: (dir) => [
        '--handler=sqlite', `--sqlite-url=file:${dir}/`, `--state-dir=${dir}`, `--listen-addr=${HOST}:${mongoPort}`,
        `--debug-addr=${HOST}:${debugPort}`, '--telemetry=disable', '--log-level=warn',
      ],
      ready: () => pingMongo(mongoUrl),
    }));
    const redis = new Redis(redisUrl, { lazyConnect: false });
    const ferretService = started[1]!;
    return {
      redisUrl,
      mongoUrl,
      redis,
      // redis-server rewrites its title to `redis-server 127.0.0.1:<port>`; FerretDB keeps its arguments.
      pids: {
        redis: findPid((line) => line.includes('redis-server') && line.includes(`:${redisPort}`)),
        ferretdb: findPid((line) => line.includes(ferretService.dir)),
      },
      versions: { redis: redisServerVersion(redisBin) ?? 'unknown', ferretdb: FERRETDB_VERSION },
      async stop() {
        redis.disconnect();
        await stopAll();
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  } finally {
    if (tmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = tmpdir;
  }
}

async function pingRedis(url: string): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
  } finally {
    client.disconnect();
  }
}

async function pingMongo(url: string): Promise<void> {
  const client = new mongoose.mongo.MongoClient(url, { serverSelectionTimeoutMS: 1_000, connectTimeoutMS: 1_000 });
  try {
    await client.db('admin').command({ ping: 1 });
  } finally {
    await client.close();
  }
}

/** used_memory of INFO memory, in bytes. */
export function redisUsedMemory(redis: Redis): Promise<number> {
  return redisInfoNumber(redis, 'memory', 'used_memory');
}

/** Reads Redis has processed from its clients' sockets: each is one batch of commands, i.e. a round trip. */
export function redisReadsProcessed(redis: Redis): Promise<number> {
  return redisInfoNumber(redis, 'stats', 'total_reads_processed');
}

async function redisInfoNumber(redis: Redis, section: string, field: string): Promise<number> {
  const info = await redis.info(section);
  return Number(new RegExp(`^${field}:(\\d+)`, 'm').exec(info)?.[1] ?? Number.NaN);
}

/** How many keys match `pattern`, by a bounded SCAN (no KEYS on a server under load). */
export async function countKeys(redis: Redis, pattern: string, limit = 5_000_000): Promise<number> {
  let cursor = '0';
  let count = 0;
  for (let round = 0; round < 100_000; round++) {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 5_000);
    count += keys.length;
    cursor = next;
    if (cursor === '0' || count >= limit) break;
  }
  return count;
}
