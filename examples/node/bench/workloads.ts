// The benchmark's workloads, shared by the Node.js bench servers (node:http,
// Express, Fastify). examples/python/bench/workloads.py computes the same
// values; the contract test checks that every server sends the same bytes.

import { mkdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";

// --8<-- [start:data]
export const JSON_PAYLOAD = { message: "Hello, World!" };
// The simulated upstream call that each /io request awaits.
export const IO_DELAY_MS = 20;
export const MATRIX_SIZE = 40;
export const FILE_LINES = 256; // of 64 bytes each: a 16 KiB file
export const DATA_DIR =
  process.env.BENCH_DATA_DIR || join(tmpdir(), "bench-data");
// --8<-- [end:data]

// --8<-- [start:fixtures]
/** The 16 KiB file that /file reads: FILE_LINES identical 64-byte lines. */
export function fileContent(): Buffer {
  return Buffer.from(
    `${"0123456789abcdef".repeat(4).slice(0, -1)}\n`.repeat(FILE_LINES),
  );
}

/** Create the database and the data file if missing; prepare the point read. */
export function prepareFixtures(dataDir: string = DATA_DIR) {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, "data.txt");
  if (!statSync(file, { throwIfNoEntry: false })?.isFile()) {
    const partial = `${file}.${process.pid}`;
    writeFileSync(partial, fileContent());
    // Atomic: a concurrent worker never reads half a file.
    renameSync(partial, file);
  }
  const db = new Database(join(dataDir, "users.db"));
  db.exec(`CREATE TABLE IF NOT EXISTS users
    (id INTEGER PRIMARY KEY, name TEXT, email TEXT)`);
  db.exec(
    "INSERT OR IGNORE INTO users VALUES (1, 'Ada Lovelace', 'ada@example.com')",
  );
  const byId = db.prepare<[number], User>(
    "SELECT id, name, email FROM users WHERE id = ?",
  );
  return { dataFile: file, readUser: (): User | undefined => byId.get(1) };
}

export type User = { id: number; name: string; email: string };
// --8<-- [end:fixtures]

// --8<-- [start:cpu]
function matrix(
  size: number,
  a: number,
  b: number,
  modulus: number,
): number[][] {
  return Array.from({ length: size }, (_, i) =>
    Array.from({ length: size }, (_, j) => (a * i + b * j) % modulus),
  );
}

const LEFT = matrix(MATRIX_SIZE, 7, 3, 11);
const RIGHT = matrix(MATRIX_SIZE, 5, 2, 13);

/** Multiply the matrices in plain JavaScript; answer the result's checksums. */
export function multiplyPure(): { n: number; trace: number; sum: number } {
  let trace = 0;
  let sum = 0;
  for (let i = 0; i < MATRIX_SIZE; i++) {
    for (let j = 0; j < MATRIX_SIZE; j++) {
      let cell = 0;
      for (let k = 0; k < MATRIX_SIZE; k++) {
        cell += LEFT[i]![k]! * RIGHT[k]![j]!;
      }
      sum += cell;
      if (i === j) trace += cell;
    }
  }
  return { n: MATRIX_SIZE, trace, sum };
}
// --8<-- [end:cpu]
