// The users API: create, read, list (keyset pagination), update and delete.

import express, { type Request, type Response } from "express";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { z } from "zod";
import {
  answerParserErrors,
  errorHandler,
  everyParameter,
  methodNotAllowed,
  noRepeatedParameters,
  notFound,
  Problem,
  validationProblem,
  zodErrors,
} from "../problem-details.ts";
import { type Config, ConfigError, loadConfig } from "./config.ts";
import { migrate, openDatabase, type Schema } from "./db.ts";
import {
  bodyLimit,
  createLogger,
  jsonBody,
  requestLog,
  securityHeaders,
} from "./middleware.ts";
import { openApiDocument } from "./openapi.ts";
import { ListQuery, UserCreate, UserUpdate } from "./schemas.ts";

// --8<-- [start:routes]
// 2^53 - 1: the largest id that both runtimes represent exactly.
const MAX_ID = Number.MAX_SAFE_INTEGER;

export type Db = Kysely<Schema>;

// An id that is no positive integer names no user: 404, like unknown ids.
export function idOf(userId: string): number {
  const id = /^[0-9]{1,16}$/.test(userId) ? Number(userId) : 0;
  return id <= MAX_ID ? id : 0;
}

export function noSuchUser(userId: string): Problem {
  return new Problem(404, { detail: `There is no user ${userId}.` });
}

async function find(db: Db, userId: string) {
  const user = await db
    .selectFrom("users")
    .selectAll()
    .where("id", "=", idOf(userId))
    .executeTakeFirst();
  if (!user) throw noSuchUser(userId);
  return user;
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  // SQLite's code, then PostgreSQL's (unique_violation).
  return code === "SQLITE_CONSTRAINT_UNIQUE" || code === "23505";
}

async function save<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    // The UNIQUE constraint decides: concurrent requests cannot race a check.
    if (isUniqueViolation(error)) {
      throw new Problem(409, {
        type: "/problems/duplicate-email",
        detail: "The email is taken.",
      });
    }
    throw error;
  }
}

export function parse<S extends z.ZodType>(
  schema: S,
  data: unknown,
  where: "body" | "query",
): z.output<S> {
  const result = schema.safeParse(data);
  if (!result.success) throw validationProblem(zodErrors(result.error, where));
  return result.data;
}

// The writes, also used by the caching example.
export function createUser(db: Db, body: z.output<typeof UserCreate>) {
  return save(() =>
    db
      .insertInto("users")
      .values(body)
      .returningAll()
      .executeTakeFirstOrThrow(),
  );
}

export async function updateUser(
  db: Db,
  userId: string,
  changes: z.output<typeof UserUpdate>,
) {
  // One statement, so no DELETE can come between a read and the write.
  const updated = await save(() =>
    db
      .updateTable("users")
      .set(changes)
      .where("id", "=", idOf(userId))
      .returningAll()
      .executeTakeFirst(),
  );
  if (!updated) throw noSuchUser(userId);
  return updated;
}

export async function deleteUser(db: Db, userId: string): Promise<void> {
  const user = await find(db, userId);
  await db.deleteFrom("users").where("id", "=", user.id).execute();
}

function usersRouter(db: Db): express.Router {
  const router = express.Router({ caseSensitive: true, strict: true });

  router
    .route("/users")
    .get(noRepeatedParameters, async (req: Request, res: Response) => {
      const query = parse(ListQuery, req.query, "query");
      const limit = Number(query.limit ?? 20);
      const after = query.cursor === undefined ? 0 : decodeCursor(query.cursor);
      const rows = await db
        .selectFrom("users")
        .selectAll()
        .where("id", ">", after)
        .orderBy("id")
        .limit(limit + 1)
        .execute();
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      res.json({
        items: page,
        next_cursor: rows.length > limit && last ? encodeCursor(last.id) : null,
      });
    })
    .post(
      jsonBody, // as the Python route class: the body is checked first
      noRepeatedParameters,
      async (req: Request, res: Response) => {
        const user = await createUser(db, parse(UserCreate, req.body, "body"));
        res.status(201).location(`/users/${user.id}`).json(user);
      },
    )
    .all(methodNotAllowed("GET, HEAD, POST"));

  router
    .route("/users/:userId")
    .get(
      noRepeatedParameters,
      async (req: Request<{ userId: string }>, res: Response) => {
        res.json(await find(db, req.params.userId));
      },
    )
    .patch(
      jsonBody, // as the Python route class: the body is checked first
      noRepeatedParameters,
      async (req: Request<{ userId: string }>, res: Response) => {
        const changes = parse(UserUpdate, req.body, "body");
        res.json(await updateUser(db, req.params.userId, changes));
      },
    )
    .delete(
      noRepeatedParameters,
      async (req: Request<{ userId: string }>, res: Response) => {
        await deleteUser(db, req.params.userId);
        res.status(204).end();
      },
    )
    .all(methodNotAllowed("DELETE, GET, HEAD, PATCH"));

  return router;
}
// --8<-- [end:routes]

// --8<-- [start:list]
function encodeCursor(lastId: number): string {
  return Buffer.from(String(lastId)).toString("base64url");
}

/** Cursors are opaque to clients; accept only what encodeCursor produced. */
function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, "base64url").toString("latin1");
  const lastId = /^[0-9]+$/.test(text) ? Number(text) : -1;
  if (lastId < 0 || lastId > MAX_ID || encodeCursor(lastId) !== cursor) {
    const detail = "is not a cursor this API issued";
    throw validationProblem([{ parameter: "cursor", detail }]);
  }
  return lastId;
}
// --8<-- [end:list]

// --8<-- [start:app]
export function createApp(db: Db, logger: Logger): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("case sensitive routing", true);
  app.set("strict routing", true);
  app.set("query parser", everyParameter); // as Starlette: keep every one
  app.use(securityHeaders, requestLog(logger), bodyLimit);
  app
    .route("/healthz")
    .get(noRepeatedParameters, (_req, res) => {
      res.json({ status: "ok" });
    })
    .all(methodNotAllowed("GET, HEAD"));
  app
    .route("/openapi.json")
    // No noRepeatedParameters: FastAPI serves its document outside the app's
    // dependencies, so ?x=1&x=2 is ignored there too.
    .get((_req, res) => {
      res.json(openApiDocument);
    })
    .all(methodNotAllowed("GET, HEAD"));
  app.use(usersRouter(db));
  app.use(notFound, errorHandler(logger));
  return app;
}
// --8<-- [end:app]

// --8<-- [start:main]
if (import.meta.main) {
  let config: Config;
  try {
    // Fails fast, naming each bad variable, before anything starts.
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
  let db: Db;
  try {
    db = openDatabase(config.DATABASE_URL);
    await migrate(db);
  } catch (error) {
    // A database it cannot reach or migrate stops the server with one line.
    const reason = error instanceof Error ? error.message : String(error);
    console.error(`cannot use the database: ${reason.split("\n")[0]}`);
    process.exit(1);
  }
  const app = createApp(db, createLogger(config.LOG_LEVEL));
  // Requests that Node's HTTP parser refuses get problems too.
  answerParserErrors(app.listen(config.PORT, config.HOST));
}
// --8<-- [end:main]
