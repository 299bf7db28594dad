import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mongoose from 'mongoose';
import { cpuMs, machine } from './proc.ts';
import { startBenchServices } from './services.ts';

/*
 * `npm run bench:ferretdb`: what one operation costs FerretDB itself (its process's CPU), by the size of the
 * collection, for the operations Bridgekeeper's store makes. It shows which of them FerretDB's SQLite handler
 * answers through the `_id` index and which read the whole collection, so cost grows with the directory.
 * Documents are shaped like users (about 600 bytes); reads ask for the last ones inserted, so that a scan
 * cannot stop early. The report goes to bench/results/ferretdb-<time>.md.
 */
const SIZES = [1_000, 10_000];
const OPERATIONS_PER_MEASURE = 40;
const FILLER = 'x'.repeat(500);

type Operation = [name: string, run: (collection: mongoose.mongo.Collection, i: number, size: number) => Promise<unknown>];

// Reads ask for the last documents inserted, so that a scan cannot stop early; writes touch the first ones.
const byId = (n: number) => ({ _id: `doc-${n}` }) as unknown as mongoose.mongo.Filter<mongoose.mongo.Document>;
const last = (i: number, size: number) => size - 1 - i;
const OPERATIONS: Operation[] = [
  ['findOne({_id})', (c, i, size) => c.findOne(byId(last(i, size)))],
  ['findOne({_id, version})', (c, i, size) => c.findOne({ ...byId(last(i, size)), version: 1 })],
  ['findOne({email}) (unique index)', (c, i, size) => c.findOne({ email: `user-${last(i, size)}@example.test` })],
  ['findOne({email}) of a missing value', (c, i) => c.findOne({ email: `nobody-${i}@example.test` })],
  ['insertOne', (c, i) => c.insertOne({ _id: `new-${i}`, version: 1, email: `new-${i}@example.test`, filler: FILLER } as never)],
  ['insertMany (10 documents)', (c, i) => c.insertMany(Array.from({ length: 10 }, (_, n) => ({ _id: `batch-${i}-${n}`, version: 1, filler: FILLER }) as never))],
  ['replaceOne({_id})', (c, i) => c.replaceOne(byId(i), { version: 2, email: `user-${i}@example.test`, filler: FILLER })],
  ['updateOne({_id}, $set)', (c, i) => c.updateOne(byId(i), { $set: { lastLoginAt: new Date().toISOString() } })],
  ['deleteOne({_id}) of a missing id', (c, i) => c.deleteOne({ _id: `missing-${i}` } as never)],
];

const services = await startBenchServices(existsSync('/dev/shm') ? '/dev/shm' : tmpdir());
const results: { size: number; operation: string; cpuMs: number; wallMs: number }[] = [];
try {
  const pid = services.pids.ferretdb;
  if (!pid) throw new Error('FerretDB process not found');
  const connection = await mongoose.createConnection(services.mongoUrl, { dbName: 'ferretdb_ops' }).asPromise();
  try {
    for (const size of SIZES) {
      const collection = connection.collection(`docs_${size}`);
      await collection.createIndex({ email: 1 }, { unique: true });
      for (let start = 0; start < size; start += 1_000) {
        await collection.insertMany(Array.from({ length: Math.min(1_000, size - start) }, (_, n) => ({
          _id: `doc-${start + n}`, version: 1, email: `user-${start + n}@example.test`, filler: FILLER,
        }) as never));
      }
      for (const [operation, run] of OPERATIONS) {
        const cpuBefore = cpuMs(pid);
        const started = performance.now();
        for (let i = 0; i < OPERATIONS_PER_MEASURE; i++) await run(collection, i, size);
        results.push({
          size, operation,
          cpuMs: (cpuMs(pid) - cpuBefore) / OPERATIONS_PER_MEASURE,
          wallMs: (performance.now() - started) / OPERATIONS_PER_MEASURE,
        });
        console.log(`${size} documents, ${operation}: ${results.at(-1)!.cpuMs.toFixed(2)} ms FerretDB CPU`);
      }
    }
  } finally {
    await connection.close();
  }
} finally {
  await services.stop();
}

const m = machine();
const lines = [
  `# FerretDB cost per operation, ${new Date().toISOString()}`, '',
  `\`npm run bench:ferretdb\`: FerretDB ${services.versions.ferretdb} (SQLite handler, files in tmpfs), ${m.cpus} CPUs (${m.model}); ` +
    `${OPERATIONS_PER_MEASURE} operations per row, one after another, on documents of about 600 bytes.`, '',
  `| Operation | ${SIZES.map((s) => `${s} documents: FerretDB CPU ms / wall ms`).join(' | ')} |`,
  `|---|${SIZES.map(() => '---').join('|')}|`,
  ...OPERATIONS.map(([operation]) => `| ${operation} | ${SIZES.map((size) => {
    const r = results.find((x) => x.size === size && x.operation === operation)!;
    return `${r.cpuMs.toFixed(2)} / ${r.wallMs.toFixed(2)}`;
  }).join(' | ')} |`),
  '',
];
const outDir = 'bench/results';
await mkdir(outDir, { recursive: true });
const file = join(outDir, `ferretdb-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}Z.md`);
await writeFile(file, `${lines.join('\n')}\n`);
console.log(`report: ${file}`);
