/** Fields every stored object carries. `version` increases with every write (optimistic concurrency). */
export interface Entity {
  readonly id: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
}

/** What a caller may supply to create an object: everything but the fields the store manages. */
export type Draft<T extends Entity> = Omit<T, keyof Entity> & { id?: string };

/** The fields a change may set. */
export type Patch<T extends Entity> = Partial<Omit<T, keyof Entity>>;

/**
 * A change is either a patch or a function of the current state returning one. A function is re-run on
 * the fresh state when another writer got there first, so concurrent changes compose instead of
 * overwriting each other (read-modify-write with a version check, retried).
 */
export type Change<T extends Entity> = Patch<T> | ((current: T) => Patch<T>);

/**
 * Equality filters on top-level fields, plus the few operators every backend supports:
 * `$in` (one of), `$contains` (array field holds the value), `$gte`/`$lt` (ISO timestamps, strings, numbers).
 */
export type Condition<V> =
  | V
  | { $in: readonly V[] }
  | { $contains: V extends readonly (infer E)[] ? E : never }
  | { $gte?: V; $lt?: V };

export type Where<T> = { [K in keyof T]?: Condition<T[K]> };

export interface ListOptions<T> {
  where?: Where<T>;
  /** Opaque cursor from a previous page's `next`. */
  cursor?: string;
  /** 1..500, default 50. */
  limit?: number;
}

export interface Page<T> {
  items: T[];
  /** Cursor of the next page; absent on the last page. */
  next?: string;
}

/** The operations every store port offers on its objects. NotFoundError and ConflictError are part of it. */
export interface Repository<T extends Entity> {
  create(draft: Draft<T>): Promise<T>;
  /** @throws NotFoundError */
  get(id: string): Promise<T>;
  find(id: string): Promise<T | undefined>;
  findOne(where: Where<T>): Promise<T | undefined>;
  list(options?: ListOptions<T>): Promise<Page<T>>;
  count(where?: Where<T>): Promise<number>;
  /** @throws NotFoundError, ConflictError */
  update(id: string, change: Change<T>): Promise<T>;
  /** @throws NotFoundError */
  delete(id: string): Promise<void>;
}
