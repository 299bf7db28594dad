import type { Change, Draft, Entity, ListOptions, Page, Repository, Where } from '../common/entity.ts';
import { NotFoundError, UnavailableError, ValidationError } from '../common/errors.ts';
import { newId } from '../common/ids.ts';
import type { DocumentCollection } from './collection.ts';

// Each failed attempt means another writer's change landed, so this bounds how many writers may race on one
// object before a caller is told to retry later (503); well above what one object sees in practice.
const MAX_ATTEMPTS = 20;
const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;

/*
 * Backend-neutral half of every store port:
 * - ids (ULIDs), createdAt/updatedAt, version are managed here, never by callers;
 * - updates are read-modify-write with a version check, retried on a lost race, so no write is lost;
 * - cursors are opaque (base64url of the last id) and listing is in id (= creation) order.
 */
export function createRepository<T extends Entity>(
  collection: DocumentCollection<T>,
  noun: string,
  now: () => Date = () => new Date(),
): Repository<T> {
  async function get(id: string): Promise<T> {
    const found = await collection.findById(id);
    if (!found) throw new NotFoundError(noun);
    return found;
  }

  return {
    async create(draft: Draft<T>): Promise<T> {
      const doc = newDocument(draft, now);
      await collection.insert(doc);
      return doc;
    },

    get,
    find: (id) => collection.findById(id),
    findOne: (where) => collection.findOne(where),

    async list(options: ListOptions<T> = {}): Promise<Page<T>> {
      const limit = pageLimit(options.limit);
      const afterId = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
      const rows = await collection.list(options.where ?? ({} as Where<T>), afterId, limit + 1);
      const items = rows.slice(0, limit);
      const last = items.at(-1);
      return rows.length > limit && last ? { items, next: encodeCursor(last.id) } : { items };
    },

    count: (where) => collection.count(where ?? ({} as Where<T>)),

    async update(id: string, change: Change<T>): Promise<T> {
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const current = await get(id);
        const patch = typeof change === 'function' ? change(current) : change;
        const next = {
          ...current,
          ...patch,
          id: current.id,
          createdAt: current.createdAt,
          updatedAt: now().toISOString(),
          version: current.version + 1,
        } as T;
        if (await collection.replace(next, current.version)) return next;
      }
      throw new UnavailableError(`${noun} store (too many concurrent updates)`);
    },

    async delete(id: string): Promise<void> {
      if (!(await collection.remove(id))) throw new NotFoundError(noun);
    },
  };
}

/** A new object as the stores write it: its id (a ULID unless the draft has one), created and updated now, version 1. */
export function newDocument<T extends Entity>(draft: Draft<T>, now: () => Date = () => new Date()): T {
  const at = now().toISOString();
  return { ...draft, id: draft.id ?? newId(), createdAt: at, updatedAt: at, version: 1 } as unknown as T;
}

function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new ValidationError(`limit must be an integer from 1 to ${MAX_LIMIT}`, [{ path: 'limit', message: 'out of range' }]);
  }
  return limit;
}

function encodeCursor(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[\x21-\x7e]{1,128}$/.test(id)) {
    throw new ValidationError('cursor is not valid', [{ path: 'cursor', message: 'malformed' }]);
  }
  return id;
}
