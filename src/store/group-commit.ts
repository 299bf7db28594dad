/*
 * Writes that many requests make at the same moment (an audit event per sign-in) leave together, in one
 * database round trip: the first goes at once, waiting for no one; those that arrive while a write is in flight
 * go together in the next one, at most `maxBatch` at a time. Each caller waits for the write that carries its
 * document and gets that write's outcome, so nothing is acknowledged before it is stored, and a failed write
 * fails exactly the callers whose documents it carried.
 */
export function groupCommit<T>(insertMany: (docs: T[]) => Promise<void>, maxBatch = 100): (doc: T) => Promise<void> {
  if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new RangeError('maxBatch must be a positive integer');
  let waiting: { doc: T; settle: (error?: unknown) => void }[] = [];
  let writing = false;

  async function drain(): Promise<void> {
    writing = true;
    while (waiting.length > 0) {
      const batch = waiting.slice(0, maxBatch);
      waiting = waiting.slice(batch.length);
      let failure: unknown;
      try {
        await insertMany(batch.map((entry) => entry.doc));
      } catch (error) {
        failure = error ?? new Error('write failed');
      }
      for (const entry of batch) entry.settle(failure);
    }
    writing = false;
  }

  return (doc) => new Promise<void>((resolve, reject) => {
    waiting.push({ doc, settle: (error) => (error === undefined ? resolve() : reject(error)) });
    if (!writing) void drain();
  });
}
