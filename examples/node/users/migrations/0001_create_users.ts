// Create the users table.

// --8<-- [start:migration]
import { type Kysely, SqliteAdapter } from "kysely";

// Migrations outlive the code of their day, so they take an untyped database.
export async function up(db: Kysely<any>): Promise<void> {
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  await db.schema
    .createTable("users")
    // BIGINT identity on PostgreSQL; on SQLite, only INTEGER PRIMARY KEY is
    // the rowid.
    .addColumn("id", sqlite ? "integer" : "bigint", (column) =>
      sqlite
        ? column.primaryKey().autoIncrement() // never reuse a deleted id
        : column.primaryKey().generatedByDefaultAsIdentity(),
    )
    .addColumn("email", "varchar(254)", (column) => column.notNull().unique())
    .addColumn("name", "varchar(100)", (column) => column.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("users").execute();
}
// --8<-- [end:migration]
