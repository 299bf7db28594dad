import type { Entity, Where } from '../common/entity.ts';

/*
 * The narrow seam between the repositories (backend-neutral: ids, timestamps, versions, retries, cursors) and a
 * storage backend. A backend stores whole documents by id and enforces the unique keys declared in the spec.
 *
 * Unique keys are derived fields (normalised email, `orgId + name` lower-cased, ...) stored beside the
 * document, because FerretDB (and so our Mongo contract) has no collations or partial indexes: a plain unique
 * index on a normalised field gives case-insensitive uniqueness on every MongoDB-protocol server.
 */
export interface CollectionSpec<T extends Entity> {
  /** Collection / table name. */
  name: string;
  /** Human name for error messages ("user", "group"). */
  noun: string;
  /**
   * Unique keys: name -> derived value(s). A string is a required key (a unique index on a derived field); an
   * array is a set of keys, possibly empty, that no other document may hold (e.g. an organisation's verified
   * domains). MongoDB's unique multikey index treats empty arrays as equal, so backends keep array keys in a
   * collection of their own.
   */
  unique: Record<string, (doc: T) => string | readonly string[]>;
  /** Top-level fields that are filtered on, indexed by the backends. */
  indexed: readonly (keyof T & string)[];
}

export interface DocumentCollection<T extends Entity> {
  /** @throws ConflictError when a unique key or the id is taken. */
  insert(doc: T): Promise<void>;
  /**
   * Several documents of a collection without unique keys in one write (all or, where the write fails midway,
   * the ones before the failure). Optional: a caller without it inserts one by one.
   */
  insertMany?(docs: readonly T[]): Promise<void>;
  findById(id: string): Promise<T | undefined>;
  /** The document holding unique key `key` = `value`. */
  findByKey(key: string, value: string): Promise<T | undefined>;
  /** First match in id order. */
  findOne(where: Where<T>): Promise<T | undefined>;
  /** Documents matching `where` with id > `afterId`, in id order, at most `limit`. */
  list(where: Where<T>, afterId: string | undefined, limit: number): Promise<T[]>;
  count(where: Where<T>): Promise<number>;
  /**
   * Replace the document if its stored version is still `expectedVersion`.
   * @returns false when the document changed meanwhile or no longer exists.
   * @throws ConflictError when the new state would take another document's unique key.
   */
  replace(doc: T, expectedVersion: number): Promise<boolean>;
  /** @returns false when there was nothing to remove. */
  remove(id: string): Promise<boolean>;
}

/** A storage backend: gives collections by spec, and reports its health. */
export interface StorageBackend {
  readonly kind: 'mongodb' | 'embedded';
  collection<T extends Entity>(spec: CollectionSpec<T>): DocumentCollection<T>;
  /** Creates the tables/indexes of every collection handed out so far (idempotent). Called once at start. */
  prepare(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The same backend with every collection it hands out wrapped by `wrap` (caches, metrics, test doubles). */
export function mapCollections(
  backend: StorageBackend,
  wrap: <T extends Entity>(collection: DocumentCollection<T>, spec: CollectionSpec<T>) => DocumentCollection<T>,
): StorageBackend {
  return {
    kind: backend.kind,
    collection: (spec) => wrap(backend.collection(spec), spec),
    prepare: () => backend.prepare(),
    ping: () => backend.ping(),
    close: () => backend.close(),
  };
}
