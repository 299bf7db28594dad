import { randomBytes } from 'node:crypto';

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

/*
 * Identifiers are 26-character ULIDs (48-bit millisecond time + 80 random bits, Crockford base32, lower case):
 * - opaque and unguessable enough to appear in URLs and tokens (`sub` is never an email),
 * - sortable by creation time, so cursor pagination over ids is stable and index-friendly.
 * Within one millisecond the random part is incremented (monotonic ULID), so ids made by one process are
 * strictly increasing.
 */
export function createIdGenerator(clock: () => number = Date.now): () => string {
  let lastTime = -1;
  let lastRandom = Buffer.alloc(10);

  return function newId(): string {
    const now = clock();
    if (now > lastTime) {
      lastTime = now;
      lastRandom = randomBytes(10);
    } else {
      increment(lastRandom);
    }
    return encodeTime(lastTime) + encodeRandom(lastRandom);
  };
}

export const newId = createIdGenerator();

function increment(bytes: Buffer): void {
  for (let i = bytes.length - 1; i >= 0; i--) {
    bytes[i] = (bytes[i]! + 1) & 0xff;
    if (bytes[i] !== 0) return;
  }
}

function encodeTime(time: number): string {
  let out = '';
  let t = time;
  for (let i = 0; i < 10; i++) {
    out = CROCKFORD[t % 32] + out;
    t = Math.floor(t / 32);
  }
  return out;
}

function encodeRandom(bytes: Buffer): string {
  let out = '';
  let bits = 0;
  let acc = 0;
  for (const byte of bytes) {
    acc = ((acc << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += CROCKFORD[(acc >> bits) & 31];
    }
  }
  return out;
}
