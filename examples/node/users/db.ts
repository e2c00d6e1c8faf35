// The database: Kysely over better-sqlite3 or node-postgres; its migrations.

// --8<-- [start:database]
import Database from "better-sqlite3";
import { type Generated, Kysely, PostgresDialect, SqliteDialect } from "kysely";
import { Migrator } from "kysely/migration";
import pg from "pg";
import * as createUsers from "./migrations/0001_create_users.ts";

export interface Schema {
  users: { id: Generated<number>; email: string; name: string };
}

export function openDatabase(url: string): Kysely<Schema> {
  if (url.startsWith("postgresql://")) {
    // BIGINT ids arrive as strings by default; ours stay below 2^53, so a
    // number is exact.
    pg.types.setTypeParser(pg.types.builtins.INT8, Number);
    return new Kysely({
      dialect: new PostgresDialect({
        pool: new pg.Pool({ connectionString: url }),
      }),
    });
  }
  const path = url.slice("sqlite:///".length) || ":memory:";
  // As in the Python twin: wait up to 30 s for another writer's lock, and let
  // reads go on during a write (WAL).
  const database = new Database(path, { timeout: 30_000 });
  database.pragma("journal_mode = WAL");
  return new Kysely({ dialect: new SqliteDialect({ database }) });
}

/** Bring the schema to the newest migration; a no-op when it is there. */
export async function migrate(db: Kysely<Schema>): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: {
      getMigrations: async () => ({ "0001_create_users": createUsers }),
    },
  });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error;
}
// --8<-- [end:database]
