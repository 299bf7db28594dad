import mongoose, { type Model } from 'mongoose';
import type { Entity } from '../../common/entity.ts';
import { UnavailableError } from '../../common/errors.ts';
import type { CollectionSpec, DocumentCollection, StorageBackend } from '../collection.ts';
import type { UniqueKeyDocument } from './array-keys.ts';
import { createClaims, type WriteClaimDocument } from './claims.ts';
import { createMongoCollection, type StoredDocument } from './collection.ts';
import { guarded } from './errors.ts';
import { mongoSchemaFor, uniqueKeySchema, writeClaimSchema } from './schemas.ts';

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
  const opened = new Map<string, { model: Model<StoredDocument>; collection: DocumentCollection<Entity> }>();

  return {
    kind: 'mongodb',

    collection<T extends Entity>(spec: CollectionSpec<T>): DocumentCollection<T> {
      const existing = opened.get(spec.name);
      if (existing) return existing.collection as unknown as DocumentCollection<T>;
      const { schema, singleKeys, arrayKeys } = mongoSchemaFor(spec);
      const model = connection.model<StoredDocument>(spec.name, schema);
      const collection = createMongoCollection({ spec, model, singleKeys, arrayKeys, claims, uniqueKeys: uniqueKeyModel });
      opened.set(spec.name, { model, collection: collection as unknown as DocumentCollection<Entity> });
      return collection;
    },

    async prepare() {
      // createIndexes, not syncIndexes: it never drops an index, so an instance of an older release starting
      // during a rolling upgrade cannot remove what the newer one added. Changing an existing index's options
      // fails loudly instead (rename it).
      const models = [claimModel, uniqueKeyModel, ...[...opened.values()].map((entry) => entry.model)];
      await guarded(async () => {
        for (const model of models) await model.createIndexes();
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
