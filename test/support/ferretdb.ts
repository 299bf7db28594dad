import mongoose from 'mongoose';
import { FERRETDB_VERSION, findFerretDb } from './binaries.ts';
import { freePort, startService, type RunningService } from './services.ts';

const HOST = '127.0.0.1';

/**
 * FerretDB (MongoDB wire protocol, SQLite handler) on `port`. With `dir`, its data lives there and survives a
 * stop, so a test can take the database down and bring the same one back.
 */
export async function startFerretDb(port: number, dir?: string): Promise<RunningService> {
  const bin = findFerretDb();
  if (!bin) throw new Error(`ferretdb ${FERRETDB_VERSION} not found: run \`npm test\`, which builds it with Go`);
  const debugPort = await freePort();
  const url = `mongodb://${HOST}:${port}/`;
  return startService({
    name: 'ferretdb',
    bin,
    ...(dir ? { dir } : {}),
    args: (at) => [
      '--handler=sqlite',
      `--sqlite-url=file:${at}/`,
      `--state-dir=${at}`,
      `--listen-addr=${HOST}:${port}`,
      `--debug-addr=${HOST}:${debugPort}`,
      '--telemetry=disable',
      '--log-level=warn',
    ],
    ready: () => mongoPing(url),
  });
}

/** A real `ping` command through the MongoDB driver mongoose bundles, so the wire protocol is up, not just TCP. */
async function mongoPing(url: string): Promise<void> {
  const client = new mongoose.mongo.MongoClient(url, { serverSelectionTimeoutMS: 1_000, connectTimeoutMS: 1_000 });
  try {
    await client.db('admin').command({ ping: 1 });
  } finally {
    await client.close();
  }
}
