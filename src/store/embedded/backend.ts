import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { Entity } from '../../common/entity.ts';
import { UnavailableError } from '../../common/errors.ts';
import type { CollectionSpec, DocumentCollection, StorageBackend } from '../collection.ts';
import { createSqliteCollection, quote, type SqlRunner } from './collection.ts';

export const EMBEDDED_DB_FILE = 'bridgekeeper.db';

/*
 * The embedded backend: one SQLite file in the data directory, through Node's built-in node:sqlite.
 * - WAL journal with synchronous=FULL: a crash (or power loss) mid-write leaves either the old or the new
 *   state, never a torn document; a restart loses nothing that a write had acknowledged.
 * - Every write is one transaction that covers the document and its unique keys.
 * - busy_timeout lets a second process (a CLI command next to a running server) wait for the lock.
 */
export function createEmbeddedBackend(options: { dataDir: string } | { memory: true }): StorageBackend {
  let path = ':memory:';
  if ('dataDir' in options) {
    mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    path = join(options.dataDir, EMBEDDED_DB_FILE);
  }
  const db = new DatabaseSync(path);
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;');
  db.exec(`CREATE TABLE IF NOT EXISTS unique_keys (
    collection TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, id TEXT NOT NULL,
    PRIMARY KEY (collection, key, value)) WITHOUT ROWID`);
  db.exec('CREATE INDEX IF NOT EXISTS unique_keys_by_id ON unique_keys (collection, id)');

  const runner = createSqlRunner(db);
  const specs: CollectionSpec<Entity>[] = [];
  let open = true;

  return {
    kind: 'embedded',
    collection<T extends Entity>(spec: CollectionSpec<T>): DocumentCollection<T> {
      specs.push(spec as unknown as CollectionSpec<Entity>);
      createTable(db, spec);
      return createSqliteCollection(runner, spec);
    },
    async prepare() {
      for (const spec of specs) createIndexes(db, spec);
    },
    async ping() {
      if (!open) throw new UnavailableError('embedded store');
      db.prepare('SELECT 1').get();
    },
    async close() {
      if (!open) return;
      open = false;
      db.close();
    },
  };
}

function createTable<T extends Entity>(db: DatabaseSync, spec: CollectionSpec<T>): void {
  db.exec(`CREATE TABLE IF NOT EXISTS ${quote(spec.name)} (
    id TEXT PRIMARY KEY, version INTEGER NOT NULL, body TEXT NOT NULL) WITHOUT ROWID`);
}

function createIndexes(db: DatabaseSync, spec: CollectionSpec<Entity>): void {
  for (const field of spec.indexed) {
    db.exec(`CREATE INDEX IF NOT EXISTS ${quote(`${spec.name}_${field}`)}
      ON ${quote(spec.name)} (json_extract(body, '$.${field}'))`);
  }
}

/** Statement cache and transactions over one connection. */
function createSqlRunner(db: DatabaseSync): SqlRunner {
  const statements = new Map<string, ReturnType<DatabaseSync['prepare']>>();
  function statement(sql: string) {
    let prepared = statements.get(sql);
    if (!prepared) {
      prepared = db.prepare(sql);
      statements.set(sql, prepared);
    }
    return prepared;
  }
  return {
    all: (sql, params) => statement(sql).all(...params) as Record<string, unknown>[],
    get: (sql, params) => statement(sql).get(...params) as Record<string, unknown> | undefined,
    run: (sql, params) => Number(statement(sql).run(...params).changes),
    transaction<R>(work: () => R): R {
      db.exec('BEGIN IMMEDIATE');
      try {
        const result = work();
        db.exec('COMMIT');
        return result;
      } catch (error) {
        db.exec('ROLLBACK');
        throw error;
      }
    },
  };
}
