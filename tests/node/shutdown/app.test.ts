// In-process tests of the Node shutdown example: shutdown() on a real listening server.
// The SIGTERM wiring needs a real process; tests/contract/test_shutdown.py covers it.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import request from "supertest";

const dbPath = join(mkdtempSync(join(tmpdir(), "shutdown-")), "jobs.db");
process.env.DB_PATH = dbPath; // read when the module loads, so import it afterwards
const { app, db, shutdown } = await import("../../../examples/node/shutdown/app.ts");

test("a job is written to the database", async () => {
  const res = await request(app).get("/jobs?ms=5").expect(200);
  assert.deepEqual(res.body, { id: 1, ms: 5 });
});

test("a bad size is a 422 problem", async () => {
  const res = await request(app).get("/jobs?ms=0").expect(422);
  assert.match(res.headers["content-type"] ?? "", /^application\/problem\+json/);
  assert.equal(res.body.errors[0].parameter, "ms");
});

test("healthz answers and an unknown route is a 404 problem", async () => {
  await request(app).get("/healthz").expect(200, { status: "ok" });
  await request(app).get("/stats").expect(200, { in_flight: 0 });
  await request(app).get("/nope").expect(404);
});

test("shutdown waits for the in-flight job, refuses new connections, closes the db", async () => {
  const server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const job = fetch(`${url}/jobs?ms=500`);
  while ((await (await fetch(`${url}/stats`, { headers: { connection: "close" } })).json()).in_flight === 0);
  const status = shutdown(server, 10_000);
  await assert.rejects(fetch(`${url}/healthz`)); // no longer accepting
  const res = await job;
  assert.equal(res.status, 200);
  assert.equal((await res.json()).ms, 500);
  assert.equal(await status, 0);
  assert.equal(db.open, false);
  assert.equal(existsSync(`${dbPath}-wal`), false);
});
