import type { TestProject } from 'vitest/node';
import { FERRETDB_VERSION, findFerretDb, findRedisServer, redisServerVersion } from './binaries.ts';
import { startFerretDb } from './ferretdb.ts';
import { startRedis } from './redis.ts';
import { freePort, type RunningService } from './services.ts';

/*
 * Starts the real services every test run talks to, once for all test files: a redis-server and FerretDB
 * (MongoDB wire protocol, SQLite handler), each on a free loopback port with its own temp dir. Tests read
 * their URLs with `inject('redisUrl')` / `inject('mongoUrl')`. `npm test` installs the binaries first
 * (scripts/ensure-test-services.ts).
 */
declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
    mongoUrl: string;
  }
}

const HOST = '127.0.0.1';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started: RunningService[] = [];
  const stopAll = async () => {
    await Promise.all(started.map((service) => service.stop()));
  };
  try {
    const redisBin = required(findRedisServer(), 'redis-server');
    const redisPort = await freePort();
    started.push(await startRedis(redisPort));

    required(findFerretDb(), `ferretdb ${FERRETDB_VERSION}`);
    const mongoPort = await freePort();
    const mongoUrl = `mongodb://${HOST}:${mongoPort}/`;
    started.push(await startFerretDb(mongoPort));

    project.provide('redisUrl', `redis://${HOST}:${redisPort}`);
    project.provide('mongoUrl', mongoUrl);
    console.log(
      `test services: redis-server ${redisServerVersion(redisBin) ?? '?'} on ${HOST}:${redisPort}, ` +
        `FerretDB ${FERRETDB_VERSION} (sqlite) on ${HOST}:${mongoPort}`,
    );
  } catch (error) {
    await stopAll();
    throw error;
  }
  return stopAll;
}

function required(bin: string | undefined, name: string): string {
  if (!bin) throw new Error(`${name} is not installed; run \`node scripts/ensure-test-services.ts\` (npm test does)`);
  return bin;
}
