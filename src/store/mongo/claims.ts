import { setTimeout as sleep } from 'node:timers/promises';
import type { Model } from 'mongoose';
import { isDuplicateKey } from './errors.ts';

/*
 * Exclusive rights, taken by inserting a document with a known `_id` into `write_claims`. An insert either
 * creates the id or fails with a duplicate key, atomically, on every MongoDB-protocol server; that is the only
 * compare-and-set FerretDB v1 offers. It has no multi-document transactions, and it evaluates the filter of an
 * update or delete apart from the write (it reads the matching documents, then writes them back by `_id`), so
 * `replaceOne({ _id, version: n })` is no compare-and-set there: two writers both match version n and the
 * second silently overwrites the first (20 racing updates kept as few as 1 of their changes).
 *
 * - A claim named after the state it guards ("document d at version n") makes acting on that state exclusive.
 * - A holder that dies leaves its claim behind. Claims carry no timestamps (the instances' clocks differ): a
 *   waiter watches the claim for one lease on its own monotonic clock and, if nothing moved, presumes the
 *   holder dead and takes the next claim of the sequence (`<name>#1`, `#2`, ...).
 * - So that a presumed-dead holder cannot wake up and act after someone took over, a holder acts only while
 *   its claim is fresh (less than half a lease old). What remains is one driver call stalling for more than
 *   half a lease after that check, which we accept.
 */

export interface Claim {
  /** True while the holder may still act: less than half a lease since the claim was taken. */
  fresh(): boolean;
  /** The guarded state has moved on (a new version was written, a reservation deleted): clear the whole sequence. */
  done(): Promise<void>;
  /** Nothing changed: free this claim for the next writer. */
  abandon(): Promise<void>;
}

export interface Claims {
  readonly leaseMs: number;
  /**
   * Takes claim `name`, waiting while a live holder has it.
   * @returns undefined once `stillWanted()` answers false while waiting (the guarded state moved on).
   */
  take(name: string, stillWanted: () => Promise<boolean>): Promise<Claim | undefined>;
}

export interface WriteClaimDocument {
  _id: string;
}

const FIRST_PAUSE_MS = 2;
const MAX_PAUSE_MS = 100;

export function createClaims(model: Model<WriteClaimDocument>, leaseMs: number): Claims {
  async function insert(id: string): Promise<boolean> {
    try {
      await model.create({ _id: id });
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  async function watch(id: string, stillWanted: () => Promise<boolean>): Promise<'released' | 'stale' | 'unwanted'> {
    const staleAt = performance.now() + leaseMs;
    for (let pause = FIRST_PAUSE_MS; ; pause = Math.min(pause * 2, MAX_PAUSE_MS)) {
      await sleep(pause);
      if (!(await stillWanted())) return 'unwanted';
      if (!(await model.exists({ _id: id }))) return 'released';
      if (performance.now() >= staleAt) return 'stale';
    }
  }

  /** `takenAt`: when the insert was sent, no later than any waiter can have seen the claim. */
  function held(name: string, sequence: number, takenAt: number): Claim {
    const id = (n: number) => `${name}#${n}`;
    return {
      fresh: () => performance.now() - takenAt < leaseMs / 2,
      async done() {
        await model.deleteMany({ _id: { $in: Array.from({ length: sequence + 1 }, (_, n) => id(n)) } });
      },
      async abandon() {
        await model.deleteOne({ _id: id(sequence) });
      },
    };
  }

  return {
    leaseMs,
    async take(name, stillWanted) {
      let sequence = 0;
      for (;;) {
        const sentAt = performance.now();
        if (await insert(`${name}#${sequence}`)) return held(name, sequence, sentAt);
        const outcome = await watch(`${name}#${sequence}`, stillWanted);
        if (outcome === 'unwanted') return undefined;
        if (outcome === 'stale') sequence++;
      }
    },
  };
}
