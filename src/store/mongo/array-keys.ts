import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Model } from 'mongoose';
import { ConflictError } from '../../common/errors.ts';
import type { Claims } from './claims.ts';
import { isDuplicateKey } from './errors.ts';

/*
 * Unique keys whose value is a set (an organisation's verified domains). A unique multikey index cannot hold
 * them: MongoDB treats two empty arrays as duplicates, and FerretDB v1 compares whole arrays (["a", "b"] does
 * not collide with ["b"]). So each value is reserved in `unique_keys` under `_id` = `<collection>/<key>/<value>`,
 * and without multi-document transactions the document write and its reservations are separate steps:
 * - reserve every new value first (an insert: exactly one writer wins), then write the document, then retire
 *   the reservations of values it dropped; when the write fails, retire what was reserved for it;
 * - a reservation counts only while its document holds the value, so a reader checks both;
 * - a reservation whose document does not hold the value may belong to a writer still on its way to writing
 *   it: it is watched for one lease (see claims.ts) before it is presumed left over by a crash and taken over;
 * - a reservation is deleted only under the claim `retire:<token>`. FerretDB deletes by `_id` after matching
 *   the filter, so two unguarded deleters could remove a reservation that a third writer had just created.
 */

export type KeyEntry = readonly [key: string, value: string];

export interface Reservation {
  id: string;
  docId: string;
  token: string;
}

export interface UniqueKeyDocument {
  _id: string;
  docId: string;
  token: string;
}

export interface Reserved {
  reservations: Reservation[];
  /** True while the writer may still write the document: less than half a lease since the first reservation. */
  fresh(): boolean;
}

export interface ArrayKeys {
  /** The reservation of `key` = `value`, whoever holds it. */
  find(key: string, value: string): Promise<Reservation | undefined>;
  /**
   * Reserves every entry for document `docId`; all or none.
   * `takeOverOwn`: a reservation already naming `docId` is a leftover of an earlier write of that document (the
   * caller holds the document's revision claim, so no other writer of it is under way) and is taken over at once.
   * @throws ConflictError when another document holds one of the values.
   */
  reserve(entries: readonly KeyEntry[], docId: string, options: { takeOverOwn: boolean }): Promise<Reserved>;
  /** The reservations among `entries` that name `docId`. */
  heldBy(entries: readonly KeyEntry[], docId: string): Promise<Reservation[]>;
  retire(reservations: readonly Reservation[]): Promise<void>;
}

export interface ArrayKeysDeps {
  model: Model<UniqueKeyDocument>;
  claims: Claims;
  collection: string;
  noun: string;
  /** Whether document `docId` exists and holds `key` = `value`. */
  holds(docId: string, key: string, value: string): Promise<boolean>;
}

const MAX_PAUSE_MS = 100;

export function createArrayKeys({ model, claims, collection, noun, holds }: ArrayKeysDeps): ArrayKeys {
  const idOf = (key: string, value: string) => `${collection}/${key}/${value}`;

  async function find(key: string, value: string): Promise<Reservation | undefined> {
    const found = await model.findById(idOf(key, value)).lean();
    return found ? { id: found._id, docId: found.docId, token: found.token } : undefined;
  }

  async function insert(reservation: Reservation): Promise<boolean> {
    try {
      await model.create({ _id: reservation.id, docId: reservation.docId, token: reservation.token });
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  const stillThere = async (reservation: Reservation) =>
    (await model.exists({ _id: reservation.id, token: reservation.token })) !== null;

  async function retireOne(reservation: Reservation): Promise<void> {
    for (;;) {
      const claim = await claims.take(`retire:${reservation.token}`, () => stillThere(reservation));
      if (!claim) return;
      if (!claim.fresh()) {
        await claim.abandon();
        continue;
      }
      await model.deleteOne({ _id: reservation.id, token: reservation.token });
      await claim.done();
      return;
    }
  }

  /** Watches a reservation whose document does not (yet) hold the value, for at most one lease. */
  async function watch(held: Reservation, key: string, value: string): Promise<'holds' | 'released' | 'stale'> {
    const staleAt = performance.now() + claims.leaseMs;
    for (let pause = 2; ; pause = Math.min(pause * 2, MAX_PAUSE_MS)) {
      if (await holds(held.docId, key, value)) return 'holds';
      if (!(await stillThere(held))) return 'released';
      if (performance.now() >= staleAt) return 'stale';
      await sleep(pause);
    }
  }

  /** @returns the reservation and when its insert was sent (no later than any watcher can have seen it) */
  async function reserveOne([key, value]: KeyEntry, docId: string, takeOverOwn: boolean): Promise<[Reservation, number]> {
    const id = idOf(key, value);
    for (;;) {
      const mine = { id, docId, token: randomUUID() };
      const sentAt = performance.now();
      if (await insert(mine)) return [mine, sentAt];
      const held = await find(key, value);
      if (!held) continue;
      if (held.docId === docId && takeOverOwn) {
        await retireOne(held);
        continue;
      }
      const outcome = await watch(held, key, value);
      if (outcome === 'holds') throw new ConflictError(noun, key);
      if (outcome === 'stale') await retireOne(held);
    }
  }

  async function retire(reservations: readonly Reservation[]): Promise<void> {
    for (const reservation of reservations) await retireOne(reservation);
  }

  return {
    find,
    retire,

    async reserve(entries, docId, { takeOverOwn }) {
      const reserved: Reservation[] = [];
      // A watcher of our reservation gives us a lease from the moment it exists; time spent waiting for other
      // writers' reservations before that does not count.
      let firstAt: number | undefined;
      try {
        for (const entry of entries) {
          const [reservation, sentAt] = await reserveOne(entry, docId, takeOverOwn);
          reserved.push(reservation);
          firstAt ??= sentAt;
        }
        return {
          reservations: reserved,
          fresh: () => firstAt === undefined || performance.now() - firstAt < claims.leaseMs / 2,
        };
      } catch (error) {
        // Best effort: a reservation left behind is not held by its document, so the next writer takes it over.
        await retire(reserved).catch(() => undefined);
        throw error;
      }
    },

    async heldBy(entries, docId) {
      const found = await Promise.all(entries.map(([key, value]) => find(key, value)));
      return found.filter((reservation): reservation is Reservation => reservation?.docId === docId);
    },
  };
}
