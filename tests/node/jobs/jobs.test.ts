// In-process tests of the Node reports API and its BullMQ worker, on a real
// Redis server.
import assert from "node:assert/strict";
import { after, afterEach, before, beforeEach, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Queue, type Worker } from "bullmq";
import { Redis } from "ioredis";
import { pino } from "pino";
import request from "supertest";
import { connectRedis, createApp } from "../../../examples/node/jobs/app.ts";
import { QUEUE } from "../../../examples/node/jobs/store.ts";
import { startWorker } from "../../../examples/node/jobs/worker.ts";
import { type RedisServer, startRedis } from "../helpers/redis.ts";
import {
  freePort,
  launchExample,
  startExample,
} from "../helpers/run-example.ts";

const SETTINGS = {
  REPORT_ATTEMPTS: 3,
  RETRY_BASE_MS: 100,
  JOB_LEASE_MS: 2_000,
};
const quiet = pino({ enabled: false });
let server: RedisServer;
let admin: Redis;
let redis: Redis;
let queue: Queue;
let queueConnection: Redis;
let app: ReturnType<typeof createApp>;
let worker: Worker | undefined;

before(async () => {
  server = await startRedis();
  admin = new Redis(server.url);
  redis = connectRedis(server.url);
  queueConnection = connectRedis(server.url);
  queue = new Queue(QUEUE, { connection: queueConnection });
  await queue.waitUntilReady();
  app = createApp(redis, queue, quiet, SETTINGS);
});
after(async () => {
  await queue.close();
  queueConnection.disconnect();
  redis.disconnect();
  admin.disconnect();
  await server.stop();
});
beforeEach(async () => {
  await admin.flushall();
});
afterEach(async () => {
  await worker?.close();
  worker = undefined;
});

function runWorker(): void {
  worker = startWorker({ REDIS_URL: server.url, ...SETTINGS });
}

/** Poll the report until it is done or failed (at most 20 s). */
async function finished(location: string) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const report = (await request(app).get(location)).body;
    if (["done", "failed"].includes(report.status)) return report;
    if (Date.now() > deadline) throw new Error(`${location} still ${report}`);
    await sleep(50);
  }
}

// --8<-- [start:tests]
test("a report is accepted, then done", async () => {
  runWorker();
  const res = await request(app).post("/reports").send({ title: "Sales" });
  assert.equal(res.status, 202);
  assert.equal(res.body.status, "queued");
  assert.equal(res.headers.location, `/reports/${res.body.id}`);
  const report = await finished(res.headers.location ?? "");
  assert.deepEqual(report, {
    id: res.body.id,
    status: "done",
    attempts: 1,
    result: "Report on Sales",
  });
});

test("a repeated key creates no second job", async () => {
  runWorker();
  const post = () =>
    request(app)
      .post("/reports")
      .set("Idempotency-Key", "order-42")
      .send({ title: "Once" });
  const answers = await Promise.all(Array.from({ length: 10 }, post));
  // 409: a duplicate that came while the first was still being accepted.
  const accepted = answers.filter((res) => res.status === 202);
  assert.ok(answers.every((res) => [202, 409].includes(res.status)));
  assert.equal(new Set(accepted.map((res) => res.body.id)).size, 1);
  const report = await finished(accepted[0]?.headers.location ?? "");
  assert.equal(report.attempts, 1);
  assert.equal(await admin.hget(`report:${report.id}`, "effects"), "1");
});
// --8<-- [end:tests]

test("failures are retried with growing waits", async () => {
  runWorker();
  const body = { title: "Flaky", work_ms: 0, fail_attempts: 2 };
  const res = await request(app).post("/reports").send(body);
  const report = await finished(res.headers.location ?? "");
  assert.deepEqual([report.status, report.attempts], ["done", 3]);
  const starts = (await admin.lrange(`report:${report.id}:starts`, 0, -1)).map(
    Number,
  );
  const waits = starts.slice(1).map((ms, i) => ms - (starts[i] ?? ms));
  assert.ok((waits[0] ?? 0) >= SETTINGS.RETRY_BASE_MS, String(waits));
  assert.ok((waits[1] ?? 0) >= 2 * SETTINGS.RETRY_BASE_MS, String(waits));
});

test("after the last attempt the report is dead-lettered", async () => {
  runWorker();
  const body = { title: "Doomed", work_ms: 0, fail_attempts: 10 };
  const res = await request(app).post("/reports").send(body);
  const report = await finished(res.headers.location ?? "");
  assert.equal(report.status, "failed");
  assert.equal(report.attempts, 3);
  assert.equal(report.error, "attempt 3 failed");
  const dead = (await request(app).get("/dead-letters")).body.reports;
  assert.deepEqual(
    dead.map((entry: { id: string }) => entry.id),
    [report.id],
  );
});

test("a report started too often is dead-lettered, not run", async () => {
  const res = await request(app).post("/reports").send({ title: "Killer" });
  // As if three workers had been killed during it.
  await admin.hset(`report:${res.body.id}`, "attempts", 3);
  runWorker();
  const report = await finished(res.headers.location ?? "");
  assert.equal(report.error, "gave up after 3 attempts");
});

test("a duplicate while the first is in progress is a 409", async () => {
  const post = () =>
    request(app)
      .post("/reports")
      .set("Idempotency-Key", "in-flight")
      .send({ title: "One" });
  const first = await post();
  // As if the first request were still between creating and queueing.
  await admin.set(`report:${first.body.id}:accepting`, "1", "PX", 5_000);
  const res = await post();
  assert.equal(res.status, 409);
  assert.equal(res.body.type, "/problems/request-in-progress");
});

test("the same key with another body is a 422", async () => {
  const first = { title: "First" };
  await request(app).post("/reports").set("Idempotency-Key", "k").send(first);
  const res = await request(app)
    .post("/reports")
    .set("Idempotency-Key", "k")
    .send({ title: "Other" });
  assert.equal(res.status, 422);
  assert.equal(res.body.type, "/problems/idempotency-key-reused");
});

test("a bad idempotency key is a 400", async () => {
  for (const key of ["x".repeat(256), "two words"]) {
    const res = await request(app)
      .post("/reports")
      .set("Idempotency-Key", key)
      .send({ title: "Sales" });
    assert.equal(res.status, 400);
    assert.equal(res.body.type, "/problems/bad-idempotency-key");
  }
});

test("a bad body is a 422 and queues nothing", async () => {
  const cases: [object, string][] = [
    [{}, "/title"],
    [{ title: "Sales", work_ms: "200" }, "/work_ms"],
    [{ title: "Sales", work_ms: 1.5 }, "/work_ms"],
    [{ title: "Sales", work_ms: 10_001 }, "/work_ms"],
    [{ title: "Sales", fail_attempts: true }, "/fail_attempts"],
    [{ title: "Sales", priority: 1 }, "/priority"],
  ];
  for (const [body, pointer] of cases) {
    const res = await request(app).post("/reports").send(body);
    assert.equal(res.status, 422, JSON.stringify(body));
    const pointers = res.body.errors.map((e: { pointer: string }) => e.pointer);
    assert.deepEqual(pointers, [pointer]);
  }
  assert.equal(await admin.dbsize(), 0);
});

test("an unknown report is a 404; other methods are 405", async () => {
  for (const id of ["rpt_000000000000000000000000", "nope"]) {
    const res = await request(app).get(`/reports/${id}`).expect(404);
    assert.equal(res.body.detail, `There is no report ${id}.`);
  }
  await request(app).get("/reports").expect(405);
  await request(app).delete("/reports/x").expect(405);
  await request(app).post("/dead-letters").expect(405);
  await request(app).post("/healthz").expect(405);
  assert.deepEqual((await request(app).get("/healthz")).body, {
    status: "ok",
  });
});

test("without Redis the post is a 503 with Retry-After", async (t) => {
  const closed = connectRedis(`redis://127.0.0.1:${await freePort()}`);
  closed.on("error", () => {});
  t.after(() => closed.disconnect());
  const offline = createApp(closed, queue, quiet, SETTINGS);
  const res = await request(offline).post("/reports").send({ title: "Sales" });
  assert.equal(res.status, 503);
  assert.equal(res.headers["retry-after"], "1");
  assert.equal(res.body.type, "/problems/queue-unavailable");
});

test("other errors stay 500s", async (t) => {
  // Redis is up, but the report's key holds a string: WRONGTYPE.
  await admin.set("report:rpt_000000000000000000000000", "not a hash");
  t.after(() => admin.del("report:rpt_000000000000000000000000"));
  const res = await request(app).get("/reports/rpt_000000000000000000000000");
  assert.equal(res.status, 500);
});

test("run directly, the API and the worker build a report", async (t) => {
  const env = { REDIS_URL: server.url, ...stringify(SETTINGS) };
  const api = await startExample("examples/node/jobs/app.ts", env);
  t.after(() => api.stop());
  const process = await launchExample("examples/node/jobs/worker.ts", env);
  t.after(() => process.stop());
  await process.printed('"event":"worker ready"', 15_000);
  const res = await fetch(`${api.url}/reports`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ title: "Sales", work_ms: 0 }),
  });
  assert.equal(res.status, 202);
  const location = res.headers.get("location");
  const deadline = Date.now() + 15_000;
  let report = { status: "queued" };
  while (report.status !== "done" && Date.now() < deadline) {
    await sleep(50);
    report = await (await fetch(`${api.url}${location}`)).json();
  }
  assert.equal(report.status, "done");
  assert.deepEqual(await process.stop(), { code: 0, signal: null });
});

test("run directly with bad settings, both exit 1 in one line", async () => {
  for (const file of ["app.ts", "worker.ts"]) {
    const bad = await launchExample(`examples/node/jobs/${file}`, {
      JOB_LEASE_MS: "10",
    });
    assert.deepEqual(await bad.exited, { code: 1, signal: null });
    assert.match(bad.output(), /^invalid configuration:\n {2}JOB_LEASE_MS/m);
  }
});

function stringify(values: Record<string, number>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).map(([key, value]) => [key, String(value)]),
  );
}
