// In-process tests of the Node cache-aside example, on a real Redis server.
import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { after, before, beforeEach, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import Database from "better-sqlite3";
import { pino } from "pino";
import { createClient } from "redis";
import request from "supertest";
import { createApp, loadConfig } from "../../../examples/node/caching/app.ts";
import {
  connectRedis,
  type Redis,
  UserCache,
} from "../../../examples/node/caching/cache.ts";
import { migrate, openDatabase } from "../../../examples/node/users/db.ts";
import { type RedisServer, startRedis } from "../helpers/redis.ts";
import {
  freePort,
  launchExample,
  startExample,
} from "../helpers/run-example.ts";

const ADA = { email: "ada@example.com", name: "Ada" };
const quiet = pino({ enabled: false });
let redisServer: RedisServer;
let redisUrl: string;
let redis: Redis; // the app's client
let admin: Redis; // the test's own client, to look inside Redis
let scratch: string;
let file: string;
let tests = 0;

before(async () => {
  redisServer = await startRedis();
  redisUrl = redisServer.url;
  scratch = mkdtempSync(join(tmpdir(), "caching-"));
  redis = connectRedis(redisUrl, quiet);
  admin = createClient({ url: redisUrl });
  await admin.connect();
  while (!redis.isReady) await sleep(10);
});
after(async () => {
  await Promise.all([redis.close(), admin.close()]);
  await redisServer.stop();
  rmSync(scratch, { recursive: true, force: true });
});

beforeEach(async () => {
  await admin.flushAll(); // each test's database starts at id 1 again
  tests += 1;
  file = join(scratch, `caching-${tests}.db`);
});

async function makeApp(settings = {}, client = redis, logger = quiet) {
  const db = openDatabase(`sqlite:///${file}`);
  await migrate(db);
  const config = { CACHE_TTL_MS: 60_000, READ_DELAY_MS: 0, ...settings };
  return createApp(db, client, logger, config);
}

type App = Awaited<ReturnType<typeof makeApp>>;
const stats = async (app: App) => (await request(app).get("/stats")).body;

// --8<-- [start:tests]
test("a second read is a hit", async () => {
  const app = await makeApp();
  const created = await request(app).post("/users").send(ADA).expect(201);
  const first = await request(app).get("/users/1").expect(200);
  const second = await request(app).get("/users/1").expect(200);
  assert.deepEqual(first.body, created.body);
  assert.deepEqual(second.body, created.body);
  assert.deepEqual(await stats(app), {
    db_reads: 1,
    cache_hits: 1,
    cache_misses: 1,
  });
});

test("no stale read after a patch", async () => {
  const app = await makeApp();
  await request(app).post("/users").send(ADA);
  await request(app).get("/users/1"); // cached now
  await request(app).patch("/users/1").send({ name: "Ada L." }).expect(200);
  const res = await request(app).get("/users/1");
  assert.equal(res.body.name, "Ada L.");
});

test("no stale read after a delete", async () => {
  const app = await makeApp();
  await request(app).post("/users").send(ADA);
  await request(app).get("/users/1");
  await request(app).delete("/users/1").expect(204);
  await request(app).get("/users/1").expect(404);
});

test("concurrent misses make one database read", async () => {
  // Each read takes 200 ms, so all 20 requests miss while the first loads.
  const app = await makeApp({ READ_DELAY_MS: 200 });
  await request(app).post("/users").send(ADA);
  const reads = Array.from({ length: 20 }, () => request(app).get("/users/1"));
  const answers = await Promise.all(reads);
  const names = new Set(answers.map((res) => res.body.name));
  assert.deepEqual(names, new Set(["Ada"]));
  const counts = await stats(app);
  assert.equal(counts.db_reads, 1);
  assert.equal(counts.cache_misses, 20);
});
// --8<-- [end:tests]

test("the copy expires after its TTL", async () => {
  // Two seconds: long enough that a busy machine still reads the copy below.
  const app = await makeApp({ CACHE_TTL_MS: 2_000 });
  await request(app).post("/users").send(ADA);
  await request(app).get("/users/1");
  const ttl = await admin.pTTL("users:v1:1");
  assert.ok(ttl > 0 && ttl <= 2_000, `PTTL ${ttl}`);
  // A change the API does not see, so it cannot invalidate the copy.
  const sqlite = new Database(file);
  sqlite.prepare("UPDATE users SET name = 'Changed behind the API'").run();
  sqlite.close();
  assert.equal((await request(app).get("/users/1")).body.name, "Ada");
  const started = Date.now();
  while ((await request(app).get("/users/1")).body.name === "Ada") {
    assert.ok(Date.now() - started < 10_000, "the copy never expired");
    await sleep(100);
  }
});

test("a slow reader cannot store a row that a write replaced", async () => {
  const app = await makeApp({ READ_DELAY_MS: 300 });
  await request(app).post("/users").send(ADA);
  const slowRead = request(app)
    .get("/users/1")
    .then((res) => res);
  await sleep(100); // the read has begun and waits on the database
  await request(app).patch("/users/1").send({ name: "New" }).expect(200);
  assert.equal((await slowRead).status, 200); // began before the write
  // Without the version check, the slow reader's old row would be here now.
  assert.equal((await request(app).get("/users/1")).body.name, "New");
});

test("an unknown or malformed id is a 404", async () => {
  const app = await makeApp();
  for (const path of ["/users/7", "/users/abc", "/users/99999999999999999"]) {
    const res = await request(app).get(path).expect(404);
    assert.match(res.headers["content-type"] ?? "", /^application\/problem/);
  }
  await request(app).patch("/users/7").send({ name: "Xavier" }).expect(404);
  await request(app).delete("/users/7").expect(404);
});

test("bad input is a problem and changes nothing", async () => {
  const app = await makeApp();
  await request(app).post("/users").send(ADA);
  await request(app).get("/users/1");
  const res = await request(app).patch("/users/1").send({ name: "" });
  assert.equal(res.status, 422);
  assert.equal(res.body.errors[0].pointer, "/name");
  assert.equal((await request(app).get("/users/1")).body.name, "Ada");
  const put = await request(app).put("/users/1").send(ADA).expect(405);
  assert.equal(put.headers.allow, "DELETE, GET, HEAD, PATCH");
  await request(app).get("/users").expect(405);
  await request(app).post("/stats").expect(405);
  await request(app).delete("/healthz").expect(405);
  assert.deepEqual((await request(app).get("/healthz")).body, {
    status: "ok",
  });
});

test("without Redis every read goes to the database", async (t) => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const logger = pino(sink);
  // Nothing listens there.
  const closed = connectRedis(`redis://127.0.0.1:${await freePort()}`, logger);
  t.after(() => closed.destroy());
  const app = await makeApp({}, closed, logger);
  await request(app).post("/users").send(ADA).expect(201);
  assert.equal((await request(app).get("/users/1")).body.name, "Ada");
  await request(app).patch("/users/1").send({ name: "Bea" }).expect(200);
  assert.equal((await request(app).get("/users/1")).body.name, "Bea");
  assert.equal((await stats(app)).db_reads, 2);
  const events = lines.map((line) => JSON.parse(line).msg);
  assert.ok(events.includes("cache unavailable"), events.join());
  assert.ok(events.includes("cache not invalidated"), events.join());
});

test("a Redis that hangs costs time, not the answer", async (t) => {
  // It accepts connections and never replies.
  const silent = createServer(() => {});
  silent.listen(0, "127.0.0.1");
  await once(silent, "listening");
  const { port } = silent.address() as AddressInfo;
  t.after(() => {
    silent.close();
    hung.destroy();
  });
  const hung = connectRedis(`redis://127.0.0.1:${port}`, quiet);
  const app = await makeApp({}, hung);
  await request(app).post("/users").send(ADA).expect(201);
  assert.equal((await request(app).get("/users/1")).body.name, "Ada");
});

function cacheOverFakeDatabase(fail = false) {
  const load = async (userId: number) => {
    await sleep(100);
    if (fail) throw new Error("database gone");
    return userId === 1 ? { id: 1, name: "From the database" } : undefined;
  };
  return new UserCache(redis, 60_000, load, quiet);
}

test("a failed load is not kept: the next read tries again", async () => {
  const failing = cacheOverFakeDatabase(true);
  await assert.rejects(failing.get(1), /database gone/);
  await assert.rejects(failing.get(1), /database gone/);
  assert.equal(failing.stats.db_reads, 2);
});

test("a process without the lock waits for the holder's copy", async () => {
  const cache = cacheOverFakeDatabase();
  await admin.set("users:v1:1:lock", "another process");
  const otherProcess = (async () => {
    await sleep(100);
    await admin.set("users:v1:1", JSON.stringify({ id: 1, name: "Theirs" }));
    await admin.del("users:v1:1:lock");
  })();
  assert.deepEqual(await cache.get(1), { id: 1, name: "Theirs" });
  await otherProcess;
  assert.equal(cache.stats.db_reads, 0);
});

test("when the holder stores nothing, the waiter reads itself", async () => {
  const cache = cacheOverFakeDatabase();
  const px = { type: "PX", value: 100 } as const;
  await admin.set("users:v1:2:lock", "another process", { expiration: px });
  assert.equal(await cache.get(2), undefined); // no user 2: nothing stored
  assert.equal(cache.stats.db_reads, 1);
});

test("the lock holder looks again before reading", async () => {
  const cache = cacheOverFakeDatabase();
  await admin.set("users:v1:1", JSON.stringify({ id: 1, name: "Filled" }));
  // A miss that raced the other process's store reaches fill() afterwards.
  assert.deepEqual(await cache.fill(1, "users:v1:1"), {
    id: 1,
    name: "Filled",
  });
  assert.equal(cache.stats.db_reads, 0);
  assert.equal(await admin.exists("users:v1:1:lock"), 0); // released
});

test("bad settings are named, every one", () => {
  assert.throws(
    () => loadConfig({ REDIS_URL: "memcached://nope", CACHE_TTL_MS: "0" }),
    /REDIS_URL: [^\n]+\n {2}CACHE_TTL_MS: /,
  );
});

test("run directly, it serves from the cache", async (t) => {
  const server = await startExample("examples/node/caching/app.ts", {
    DATABASE_URL: `sqlite:///${file}`,
    REDIS_URL: redisUrl,
  });
  t.after(() => server.stop());
  const res = await fetch(`${server.url}/users`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(ADA),
  });
  assert.equal(res.status, 201);
  assert.equal((await fetch(`${server.url}/users/1`)).status, 200);
  assert.equal(await admin.exists("users:v1:1"), 1);
});

test("run directly with bad settings or database, it exits 1 in one line", async () => {
  const badSettings = await launchExample("examples/node/caching/app.ts", {
    CACHE_TTL_MS: "soon",
  });
  assert.deepEqual(await badSettings.exited, { code: 1, signal: null });
  assert.match(badSettings.output(), /^invalid configuration:\n {2}CACHE_TTL/m);
  const badDatabase = await launchExample("examples/node/caching/app.ts", {
    DATABASE_URL: "postgresql://nobody@127.0.0.1:1/none",
  });
  assert.deepEqual(await badDatabase.exited, { code: 1, signal: null });
  assert.match(badDatabase.output(), /^cannot use the database: .+$/m);
});
