import mongoose, { Schema, type Model } from 'mongoose';
import type { Entity } from '../../common/entity.ts';
import { UnavailableError } from '../../common/errors.ts';
import type { CollectionSpec, DocumentCollection, StorageBackend } from '../collection.ts';
import type { UniqueKeyDocument } from './array-keys.ts';
import { createClaims, type WriteClaimDocument } from './claims.ts';
import { createMongoCollection, type MongoCollection, type StoredDocument } from './collection.ts';
import { guarded, isDuplicateKey } from './errors.ts';
import { LEGACY_INDEX_PREFIX, mongoSchemaFor, uniqueKeySchema, writeClaimSchema } from './schemas.ts';

export interface MongoBackendOptions {
  url: string;
  /** Database name; defaults to the one in the URL. */
  dbName?: string;
  serverSelectionTimeoutMS?: number;
  /**
   * How long a write claim or key reservation whose holder shows no progress is watched before it is presumed
   * left over by a crash (see claims.ts). Shorter only in tests.
   */
  leaseMs?: number;
}

const DEFAULT_SERVER_SELECTION_TIMEOUT_MS = 10_000;
const DEFAULT_LEASE_MS = 10_000;

/*
 * The MongoDB backend (production), through mongoose on a connection of its own: no global mongoose state, so
 * several backends (tests, CLI next to a server) never share models or settings. Works on MongoDB and on
 * FerretDB v1, which lacks multi-document transactions, $lookup, TTL, partial and sparse indexes and
 * collations: only plain single-field indexes (unique ones included) are used, and the writes are arranged
 * as claims.ts and array-keys.ts explain.
 */
export async function createMongoBackend(options: MongoBackendOptions): Promise<StorageBackend> {
  const connection = mongoose.createConnection(options.url, {
    ...(options.dbName === undefined ? {} : { dbName: options.dbName }),
    serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? DEFAULT_SERVER_SELECTION_TIMEOUT_MS,
    bufferCommands: false,
    autoIndex: false,
    autoCreate: false,
  });
  try {
    await connection.asPromise();
  } catch (error) {
    await connection.close().catch(() => undefined);
    throw new UnavailableError('MongoDB', { cause: error });
  }

  const claimModel = connection.model<WriteClaimDocument>('write_claims', writeClaimSchema);
  const uniqueKeyModel = connection.model<UniqueKeyDocument>('unique_keys', uniqueKeySchema);
  const claims = createClaims(claimModel, options.leaseMs ?? DEFAULT_LEASE_MS);
  const migrationModel = connection.model<{ _id: string; at: string }>('migrations', new Schema({ _id: String, at: String }, { versionKey: false, strict: 'throw', autoIndex: false, autoCreate: false, bufferCommands: false, collection: 'migrations' }));
  const opened = new Map<string, { model: Model<StoredDocument>; collection: MongoCollection<Entity> }>();

  /*
   * Earlier releases kept single-valued unique keys in `_keys.<name>` under unique indexes. Those indexes would
   * refuse every new document (they no longer carry the field), and the documents hold no reservations: drop
   * the indexes and reserve the keys of every document, once per database (a marker in `migrations`).
   */
  async function migrateKeysToReservations(): Promise<void> {
    const marker = 'unique-keys-as-reservations';
    if (await migrationModel.exists({ _id: marker })) return;
    for (const { model, collection } of opened.values()) {
      const indexes = await model.collection.indexes().catch(() => []);
      for (const index of indexes) {
        if (typeof index.name === 'string' && index.name.includes(LEGACY_INDEX_PREFIX)) await model.collection.dropIndex(index.name);
      }
      await collection.backfillReservations();
    }
    await migrationModel.create({ _id: marker, at: new Date().toISOString() }).catch((error: unknown) => {
      if (!isDuplicateKey(error)) throw error;
    });
  }

  return {
    kind: 'mongodb',

    collection<T extends Entity>(spec: CollectionSpec<T>): DocumentCollection<T> {
      const existing = opened.get(spec.name);
      if (existing) return existing.collection as unknown as DocumentCollection<T>;
      const { schema, keys } = mongoSchemaFor(spec);
      const model = connection.model<StoredDocument>(spec.name, schema);
      const collection = createMongoCollection({ spec, model, keys, claims, uniqueKeys: uniqueKeyModel });
      opened.set(spec.name, { model, collection: collection as unknown as MongoCollection<Entity> });
      return collection;
    },

    async prepare() {
      // createIndexes, not syncIndexes: it never drops an index, so an instance of an older release starting
      // during a rolling upgrade cannot remove what the newer one added. Changing an existing index's options
      // fails loudly instead (rename it).
      const models = [claimModel, uniqueKeyModel, ...[...opened.values()].map((entry) => entry.model)];
      await guarded(async () => {
        for (const model of models) await model.createIndexes();
        await migrateKeysToReservations();
      });
    },

    async ping() {
      try {
        await connection.getClient().db('admin').command({ ping: 1 });
      } catch (error) {
        throw new UnavailableError('MongoDB', { cause: error });
      }
    },

    async close() {
      await connection.close();
    },
  };
}
