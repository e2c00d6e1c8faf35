// Cache-aside for one user at a time in Redis, with node-redis.
//
// A read looks in Redis first and goes to the database only on a miss; a
// write changes the database, then removes the cached copy. Concurrent misses
// for one user make one database read: one load per process (single flight),
// one for all processes (a Redis lock).

// --8<-- [start:cache]
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import { createClient } from "redis";

export type Row = Record<string, unknown>;
export type Loader = (userId: number) => Promise<Row | undefined>;

const LOCK_MS = 5_000; // longer than the slowest database read
const POLL_MS = 20;

// Store the row only if no write has bumped the version since the read
// began: a slow reader cannot put back a row that a write replaced.
const STORE_IF_UNCHANGED = `
if (redis.call('GET', KEYS[2]) or '0') == ARGV[2] then
  return redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
end
return false
`;
// Delete the lock only if it is still ours (it may have expired and moved).
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`;

// The database's own errors pass through; every other one comes from Redis.
class DatabaseError extends Error {}

/** Counted per process; GET /stats shows them. */
export interface Stats {
  db_reads: number;
  cache_hits: number;
  cache_misses: number;
}

/** A client that neither queues nor waits long while Redis is away. */
export function connectRedis(url: string, logger: Logger) {
  const redis = createClient({
    url,
    disableOfflineQueue: true,
    commandOptions: { timeout: 1_000 }, // a Redis that hangs costs 1 s
    socket: {
      connectTimeout: 1_000,
      reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, 1_000),
    },
  });
  // Without a listener, a lost connection would end the process.
  redis.on("error", (error) => logger.debug({ error: String(error) }));
  redis.connect().catch(() => {}); // it keeps retrying in the background
  return redis;
}
export type Redis = ReturnType<typeof connectRedis>;

export class UserCache {
  readonly stats: Stats = { db_reads: 0, cache_hits: 0, cache_misses: 0 };
  private readonly flights = new Map<number, Promise<Row | undefined>>();
  private readonly redis: Redis;
  private readonly ttlMs: number;
  private readonly load: Loader;
  private readonly logger: Logger;

  constructor(redis: Redis, ttlMs: number, load: Loader, logger: Logger) {
    this.redis = redis;
    this.ttlMs = ttlMs;
    this.load = load;
    this.logger = logger;
  }

  async get(userId: number): Promise<Row | undefined> {
    const key = `users:v1:${userId}`;
    try {
      const cached = await this.redis.get(key);
      if (cached !== null) {
        this.stats.cache_hits++;
        return JSON.parse(cached);
      }
      this.stats.cache_misses++;
      let flight = this.flights.get(userId);
      if (!flight) {
        // The first miss in this process loads; a rejected load is not kept.
        flight = this.fill(userId, key).finally(() =>
          this.flights.delete(userId),
        );
        this.flights.set(userId, flight);
      }
      return await flight;
    } catch (error) {
      if (error instanceof DatabaseError) throw error.cause;
      // Fail open: without Redis every read goes to the database.
      this.logger.warn({ error: String(error) }, "cache unavailable");
      return this.read(userId);
    }
  }

  async fill(userId: number, key: string): Promise<Row | undefined> {
    const version = (await this.redis.get(`${key}:ver`)) ?? "0";
    const token = randomBytes(16).toString("hex");
    const lock = `${key}:lock`;
    const px = { type: "PX", value: LOCK_MS } as const;
    const won = await this.redis.set(lock, token, {
      condition: "NX",
      expiration: px,
    });
    if (won !== null) {
      try {
        // Look again: another process may have filled it meanwhile.
        const cached = await this.redis.get(key);
        if (cached !== null) return JSON.parse(cached);
        const row = await this.read(userId);
        if (row !== undefined) {
          await this.redis.eval(STORE_IF_UNCHANGED, {
            keys: [key, `${key}:ver`],
            arguments: [JSON.stringify(row), version, String(this.ttlMs)],
          });
        }
        return row;
      } finally {
        await this.redis.eval(RELEASE, { keys: [lock], arguments: [token] });
      }
    }
    // Another process is loading it: wait for its copy, not the database.
    for (;;) {
      await sleep(POLL_MS);
      const held = await this.redis.exists(lock); // before the GET, not after
      const cached = await this.redis.get(key);
      if (cached !== null) return JSON.parse(cached);
      // It stored nothing: no such user, or a write came between.
      if (!held) return this.read(userId);
    }
  }

  private async read(userId: number): Promise<Row | undefined> {
    this.stats.db_reads++;
    try {
      return await this.load(userId);
    } catch (error) {
      throw new DatabaseError("database read failed", { cause: error });
    }
  }

  /** After a write commits: bump the version, then drop the copy. */
  async invalidate(userId: number): Promise<void> {
    const key = `users:v1:${userId}`;
    try {
      await this.redis.multi().incr(`${key}:ver`).del(key).exec();
    } catch (error) {
      // The old copy lives until its TTL ends; say so.
      const fields = { user: userId, error: String(error) };
      this.logger.error(fields, "cache not invalidated");
    }
  }
}
// --8<-- [end:cache]
