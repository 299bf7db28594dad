import type { Model } from 'mongoose';
import type { Entity } from '../../common/entity.ts';
import { ConflictError, UnavailableError } from '../../common/errors.ts';
import type { CollectionSpec, DocumentCollection } from '../collection.ts';
import { createArrayKeys, type ArrayKeys, type KeyEntry, type Reservation, type UniqueKeyDocument } from './array-keys.ts';
import type { Claims } from './claims.ts';
import { guarded, isDuplicateKey } from './errors.ts';
import { toMongoFilter } from './filters.ts';
import { LEGACY_KEYS_FIELD } from './schemas.ts';

/*
 * A collection of one spec in MongoDB / FerretDB.
 * - Documents come back shaped exactly like the model: `id` for `_id`, no derived `_keys`, nothing of mongoose.
 * - Unique keys, single- or array-valued: reservations in `unique_keys` (array-keys.ts), also what finds a
 *   document by key (two reads by `_id`).
 * - `replace` is made a compare-and-set by the claim "<document>@<expected version>" (claims.ts), because
 *   FerretDB v1's `replaceOne({ _id, version })` is not one. The claim also covers the reservations.
 */

export interface StoredDocument {
  _id: string;
  version: number;
  [field: string]: unknown;
}

export interface MongoCollectionDeps<T extends Entity> {
  spec: CollectionSpec<T>;
  model: Model<StoredDocument>;
  keys: readonly string[];
  claims: Claims;
  /** `unique_keys`, where the values of unique keys are reserved. */
  uniqueKeys: Model<UniqueKeyDocument>;
}

export interface MongoCollection<T extends Entity> extends DocumentCollection<T> {
  /** Reserves the keys of documents that hold none yet (data written by releases that kept keys in indexes). */
  backfillReservations(): Promise<number>;
}

const FEW_IDS = 50;

/** The ids of an `_id: { $in }` condition short enough to read one by one. */
function fewIds(filter: Record<string, unknown>): string[] | undefined {
  const condition = filter._id as { $in?: unknown } | undefined;
  if (!condition || typeof condition !== 'object' || !Array.isArray(condition.$in) || condition.$in.length > FEW_IDS) return undefined;
  return [...new Set(condition.$in.filter((id): id is string => typeof id === 'string'))];
}

export function createMongoCollection<T extends Entity>(deps: MongoCollectionDeps<T>): MongoCollection<T> {
  const { spec, model, keys, claims } = deps;

  /** The document's unique key values; a single-valued key is a set of one. */
  function arrayEntries(doc: T): KeyEntry[] {
    return keys.flatMap((key) => {
      const derived = spec.unique[key]?.(doc);
      const values = typeof derived === 'string' ? [derived] : derived;
      if (!Array.isArray(values)) throw new Error(`${spec.name}: unique key "${key}" must derive a string or an array`);
      return [...new Set<string>(values)].map((value): KeyEntry => [key, value]);
    });
  }

  /** The document as stored, cast and checked by the schema (an unknown field throws). */
  async function toStored(doc: T): Promise<StoredDocument> {
    const { id, ...fields } = doc as T & Record<string, unknown>;
    const hydrated = new model({ ...fields, _id: id });
    await hydrated.validate();
    return hydrated.toObject({ minimize: false, virtuals: false, versionKey: false, getters: false, depopulate: true }) as StoredDocument;
  }

  function fromStored(stored: StoredDocument): T {
    const { _id, [LEGACY_KEYS_FIELD]: _legacy, ...fields } = stored;
    return { id: _id, ...fields } as unknown as T;
  }

  const fromFound = (stored: StoredDocument | null) => (stored ? fromStored(stored) : undefined);

  const findById = async (id: string) => fromFound(await model.findById(id).lean<StoredDocument>());

  const holdsEntry = (doc: T | undefined, key: string, value: string) =>
    doc !== undefined && arrayEntries(doc).some(([k, v]) => k === key && v === value);

  const holds = async (docId: string, key: string, value: string) => holdsEntry(await findById(docId), key, value);

  const reservations: ArrayKeys | undefined = keys.length === 0
    ? undefined
    : createArrayKeys({ model: deps.uniqueKeys, claims, collection: spec.name, noun: spec.noun, holds });

  /** Unique keys are reserved before the write, so a duplicate the server reports is the id's. */
  function conflict(error: unknown): ConflictError {
    return new ConflictError(spec.noun, 'id', { cause: error });
  }

  /** A reservation left behind is not held by its document, so a later writer takes it over: never fail for it. */
  async function retireQuietly(held: readonly Reservation[]): Promise<void> {
    if (reservations && held.length > 0) await reservations.retire(held).catch(() => undefined);
  }

  /**
   * Under the document's claim, before its write: reserves the array-key values `doc` adds, and finds the
   * reservations of those it drops (read now: once the new version is visible, a later writer may reserve them
   * anew). undefined when the document is no longer at `expectedVersion`.
   */
  async function changeReservations(keys: ArrayKeys, doc: T, expectedVersion: number) {
    const current = await findById(doc.id);
    if (!current || current.version !== expectedVersion) return undefined;
    const before = arrayEntries(current);
    const after = arrayEntries(doc);
    const has = (entries: KeyEntry[], [key, value]: KeyEntry) => entries.some(([k, v]) => k === key && v === value);
    const dropped = await keys.heldBy(before.filter((entry) => !has(after, entry)), doc.id);
    const { reservations: reserved } = await keys.reserve(after.filter((entry) => !has(before, entry)), doc.id, { takeOverOwn: true });
    return { dropped, reserved };
  }

  return {
    insert: (doc) => guarded(async () => {
      const stored = await toStored(doc);
      let reserved: Reservation[] = [];
      // Waiting out one leftover reservation can age the others this write took first: then it starts over
      // once (the leftover has been taken over by then, so the second round does not wait).
      for (let round = 0; reservations; round++) {
        const keys = await reservations.reserve(arrayEntries(doc), doc.id, { takeOverOwn: round > 0 });
        reserved = keys.reservations;
        if (keys.fresh()) break;
        await retireQuietly(reserved);
        if (round > 0) throw new UnavailableError(`${spec.noun} store (reserving unique keys took too long)`);
      }
      try {
        await model.create(stored);
      } catch (error) {
        await retireQuietly(reserved);
        throw isDuplicateKey(error) ? conflict(error) : error;
      }
    }),

    insertMany: (docs) => guarded(async () => {
      if (reservations) throw new Error(`${spec.name} has unique keys: its documents are inserted one by one`);
      const stored = await Promise.all(docs.map(toStored));
      try {
        // Cast and validated above, by toStored: nothing for mongoose to do again.
        await model.insertMany(stored, { ordered: true, lean: true });
      } catch (error) {
        throw isDuplicateKey(error) ? conflict(error) : error;
      }
    }),

    findById: (id) => guarded(() => findById(id)),

    findByKey: (key, value) => guarded(async () => {
      if (!reservations || !keys.includes(key)) throw new Error(`${spec.name} has no unique key "${key}"`);
      // The reservation names the document; the document must still hold the value (a writer may be between steps).
      const held = await reservations.find(key, value);
      const doc = held && (await findById(held.docId));
      return holdsEntry(doc, key, value) ? doc : undefined;
    }),

    findOne: (where) => guarded(async () =>
      fromFound(await model.findOne(toMongoFilter(where)).sort({ _id: 1 }).lean<StoredDocument>())),

    list: (where, afterId, limit) => guarded(async () => {
      const filter = toMongoFilter(where);
      const ids = fewIds(filter);
      if (ids) {
        // A few ids: one read by `_id` each, FerretDB's SQLite handler's cheapest lookup ($in and ranges on `_id`
        // are not: they decode and filter every document); the other conditions go along. A read by `_id` still
        // grows with the collection, about 14 times less per document than other filters (bench:ferretdb).
        const { _id: _ids, ...rest } = filter;
        const found = await Promise.all(ids.filter((id) => afterId === undefined || id > afterId)
          .map((id) => model.findOne({ ...rest, _id: id }).lean<StoredDocument>()));
        return found.filter((row): row is StoredDocument => row !== null).sort((a, b) => (a._id < b._id ? -1 : 1)).slice(0, limit).map(fromStored);
      }
      const after = { _id: { $gt: afterId } };
      const query = afterId === undefined ? filter : '_id' in filter ? { $and: [filter, after] } : { ...filter, ...after };
      const rows = await model.find(query).sort({ _id: 1 }).limit(limit).lean<StoredDocument[]>();
      return rows.map(fromStored);
    }),

    count: (where) => guarded(() => model.countDocuments(toMongoFilter(where))),

    replace: (doc, expectedVersion) => guarded(async () => {
      const stored = await toStored(doc);
      const isCurrent = async () => (await model.exists({ _id: doc.id, version: expectedVersion })) !== null;
      // createdAt tells a re-created document (same id) from the removed one, whose old claims may linger.
      const claim = await claims.take(`${spec.name}/${doc.id}/${doc.createdAt}@${expectedVersion}`, isCurrent);
      if (!claim) return false;
      let written = false;
      let reserved: Reservation[] = [];
      try {
        let dropped: Reservation[] = [];
        if (reservations) {
          const change = await changeReservations(reservations, doc, expectedVersion);
          if (!change) return false;
          ({ reserved, dropped } = change);
        }
        // Waiters may take the claim over a lease after they first saw it; past half a lease, leave it to them.
        if (!claim.fresh()) return false;
        try {
          written = (await model.replaceOne({ _id: doc.id, version: expectedVersion }, stored)).matchedCount > 0;
        } catch (error) {
          throw isDuplicateKey(error) ? conflict(error) : error;
        }
        if (written) await retireQuietly(dropped);
        return written;
      } finally {
        if (!written) await retireQuietly(reserved);
        // A claim left behind only delays the next writer by a lease; it must not fail a write that happened.
        await (written ? claim.done() : claim.abandon()).catch(() => undefined);
      }
    }),

    backfillReservations: () => guarded(async () => {
      if (!reservations) return 0;
      let reserved = 0;
      let after: string | undefined;
      for (;;) {
        const rows = await model.find(after === undefined ? {} : { _id: { $gt: after } }).sort({ _id: 1 }).limit(500).lean<StoredDocument[]>();
        for (const row of rows) {
          const doc = fromStored(row);
          const entries = arrayEntries(doc);
          const held = await reservations.heldBy(entries, doc.id);
          if (held.length === entries.length) continue;
          await reservations.reserve(entries, doc.id, { takeOverOwn: true });
          reserved++;
        }
        if (rows.length < 500) return reserved;
        after = rows.at(-1)!._id;
      }
    }),

    remove: (id) => guarded(async () => {
      let held: Reservation[] = [];
      if (reservations) {
        const current = await findById(id);
        if (!current) return false;
        held = await reservations.heldBy(arrayEntries(current), id);
      }
      const { deletedCount } = await model.deleteOne({ _id: id });
      if (deletedCount > 0) await retireQuietly(held);
      return deletedCount > 0;
    }),
  };
}
