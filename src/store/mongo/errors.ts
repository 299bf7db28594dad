import { UnavailableError } from '../../common/errors.ts';

/*
 * What the driver's errors mean to the store. Server shapes differ:
 * - MongoDB: E11000 (code 11000) with `keyPattern` / `keyValue` and `index: <name>` in the message.
 * - FerretDB v1 (SQLite): an insert answers code 11000 naming neither index nor key; a replace that breaks a
 *   unique index answers code 1 (InternalError) whose message ends in
 *   `UNIQUE constraint failed: index '<table>_<hash>_<index name>'`.
 */

const UNREACHABLE = new Set([
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoPoolClearedError',
]);

interface DriverError {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  keyPattern?: unknown;
  keyValue?: unknown;
  cause?: unknown;
}

function fields(error: unknown): DriverError {
  return typeof error === 'object' && error !== null ? (error as DriverError) : {};
}

/** The server cannot be reached (or the connection is closed): callers answer 503 and retry later. */
export function isUnreachable(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current !== undefined && depth < 5; depth++) {
    const { name, cause } = fields(current);
    if (typeof name === 'string' && UNREACHABLE.has(name)) return true;
    current = cause;
  }
  return false;
}

/** Runs a store operation, turning "cannot reach MongoDB" into UnavailableError. */
export async function guarded<R>(work: () => Promise<R>): Promise<R> {
  try {
    return await work();
  } catch (error) {
    if (isUnreachable(error)) throw new UnavailableError('MongoDB', { cause: error });
    throw error;
  }
}

export function isDuplicateKey(error: unknown): boolean {
  const { code, message } = fields(error);
  if (code === 11000 || code === 11001) return true;
  return typeof message === 'string' && /E11000 duplicate key|UNIQUE constraint failed/.test(message);
}

/**
 * The index a duplicate-key error names, as the server reported it: `keyPattern` (MongoDB), else an index name in
 * the message (MongoDB `index: unique_slug dup key`, FerretDB `index 'groups_1a2b3c4d_unique_orgName'`).
 * undefined when the server did not say (FerretDB inserts).
 */
export function duplicateIndex(error: unknown): { field: string } | { indexName: string } | undefined {
  const { keyPattern, keyValue, message } = fields(error);
  const field = [keyPattern, keyValue]
    .flatMap((value) => (typeof value === 'object' && value !== null ? Object.keys(value) : []))
    .at(0);
  if (field !== undefined) return { field };
  if (typeof message !== 'string') return undefined;
  const indexName = /\bindex: (\S+)/.exec(message)?.[1] ?? /UNIQUE constraint failed: index '([^']+)'/.exec(message)?.[1];
  return indexName === undefined ? undefined : { indexName };
}
