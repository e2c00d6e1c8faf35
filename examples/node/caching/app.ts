// The users API with its reads cached in Redis (cache-aside).
//
// It reuses the users example's database, schemas, writes and error
// handling; only the cache is new (cache.ts).

// --8<-- [start:app]
import { setTimeout as sleep } from "node:timers/promises";
import express, { type Request, type Response } from "express";
import type { Logger } from "pino";
import { z } from "zod";
import {
  answerParserErrors,
  errorHandler,
  everyParameter,
  methodNotAllowed,
  noRepeatedParameters,
  notFound,
} from "../problem-details.ts";
import {
  createUser,
  type Db,
  deleteUser,
  idOf,
  noSuchUser,
  parse,
  updateUser,
} from "../users/app.ts";
import {
  ConfigError,
  parseConfig,
  Config as UsersConfig,
} from "../users/config.ts";
import { migrate, openDatabase } from "../users/db.ts";
import {
  bodyLimit,
  createLogger,
  jsonBody,
  requestLog,
  securityHeaders,
} from "../users/middleware.ts";
import { UserCreate, UserUpdate } from "../users/schemas.ts";
import { connectRedis, type Redis, UserCache } from "./cache.ts";

const CacheConfig = UsersConfig.extend({
  DATABASE_URL: z
    .string()
    .regex(/^(sqlite|postgresql):\/\//)
    .default("sqlite:///caching-node.db"),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//)
    .default("redis://127.0.0.1:6379/0"),
  CACHE_TTL_MS: z.coerce.number().int().min(1).default(60_000),
  // A slow query (see the loader below), so that concurrent misses overlap.
  READ_DELAY_MS: z.coerce.number().int().min(0).max(10_000).default(0),
});
export type Config = z.infer<typeof CacheConfig>;

/** The users settings, plus REDIS_URL, CACHE_TTL_MS and READ_DELAY_MS. */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  return parseConfig(CacheConfig, env);
}

export function createApp(
  db: Db,
  redis: Redis,
  logger: Logger,
  config: Pick<Config, "CACHE_TTL_MS" | "READ_DELAY_MS">,
): express.Express {
  const cache = new UserCache(
    redis,
    config.CACHE_TTL_MS,
    async (userId) => {
      const user = await db
        .selectFrom("users")
        .selectAll()
        .where("id", "=", userId)
        .executeTakeFirst();
      // A slow query, simulated: its answer arrives this much later.
      await sleep(config.READ_DELAY_MS);
      return user;
    },
    logger,
  );
  const app = express();
  app.disable("x-powered-by");
  app.set("case sensitive routing", true);
  app.set("strict routing", true);
  app.set("query parser", everyParameter);
  app.use(securityHeaders, requestLog(logger), bodyLimit);

  app
    .route("/users")
    // Creating a user changes no cached copy.
    .post(jsonBody, noRepeatedParameters, async (req, res) => {
      const user = await createUser(db, parse(UserCreate, req.body, "body"));
      res.status(201).location(`/users/${user.id}`).json(user);
    })
    .all(methodNotAllowed("POST"));

  type ById = Request<{ userId: string }>;
  app
    .route("/users/:userId")
    .get(noRepeatedParameters, async (req: ById, res: Response) => {
      const user = await cache.get(idOf(req.params.userId));
      if (!user) throw noSuchUser(req.params.userId);
      res.json(user);
    })
    // Writes: the users example's, then the cached copy goes. Not before: a
    // read in between would cache the old row again.
    .patch(jsonBody, noRepeatedParameters, async (req: ById, res) => {
      const changes = parse(UserUpdate, req.body, "body");
      const user = await updateUser(db, req.params.userId, changes);
      await cache.invalidate(user.id);
      res.json(user);
    })
    .delete(noRepeatedParameters, async (req: ById, res) => {
      await deleteUser(db, req.params.userId);
      await cache.invalidate(idOf(req.params.userId));
      res.status(204).end();
    })
    .all(methodNotAllowed("DELETE, GET, HEAD, PATCH"));

  app
    .route("/stats")
    .get(noRepeatedParameters, (_req, res) => {
      res.json(cache.stats);
    })
    .all(methodNotAllowed("GET, HEAD"));
  app
    .route("/healthz")
    .get(noRepeatedParameters, (_req, res) => {
      res.json({ status: "ok" });
    })
    .all(methodNotAllowed("GET, HEAD"));
  app.use(notFound, errorHandler(logger));
  return app;
}
// --8<-- [end:app]

// --8<-- [start:main]
if (import.meta.main) {
  let config: Config;
  try {
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
    const reason = error instanceof Error ? error.message : String(error);
    console.error(`cannot use the database: ${reason.split("\n")[0]}`);
    process.exit(1);
  }
  const logger = createLogger(config.LOG_LEVEL);
  const redis = connectRedis(config.REDIS_URL, logger);
  const app = createApp(db, redis, logger, config);
  answerParserErrors(app.listen(config.PORT, config.HOST));
}
// --8<-- [end:main]
