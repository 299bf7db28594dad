import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { inject } from 'vitest';

/** The global set-up's FerretDB; a run without it fails, never skips. */
export function mongoUrl(): string {
  const url = inject('mongoUrl');
  if (!url) throw new Error('the test set-up provided no MongoDB URL');
  return url;
}

/** A database of its own on the global set-up's FerretDB, and how to drop it afterwards. */
export function freshDatabase(): { url: string; dbName: string; drop: () => Promise<void> } {
  const url = mongoUrl();
  const dbName = `bk_test_${randomBytes(6).toString('hex')}`;
  return {
    url,
    dbName,
    // Over a connection of its own: the backend under test is closed before cleaning up.
    async drop() {
      const connection = await mongoose.createConnection(url, { dbName, serverSelectionTimeoutMS: 5_000 }).asPromise();
      try {
        await connection.dropDatabase();
      } finally {
        await connection.close();
      }
    },
  };
}
