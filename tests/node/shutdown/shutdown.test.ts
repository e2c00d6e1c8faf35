// Tests of the Node shutdown example: shutdown() on a real listening server in
// this process, then the SIGTERM wiring in a process of its own.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, type TestContext, test } from "node:test";
import request from "supertest";
import { assertValidationProblem } from "../helpers/problems.ts";
import { scratchDir, startExample } from "../helpers/run-example.ts";

const dbPath = join(mkdtempSync(join(tmpdir(), "shutdown-")), "jobs.db");
after(() => rmSync(dirname(dbPath), { recursive: true, force: true }));
// Read when the module loads, so import it afterwards.
process.env.DB_PATH = dbPath;
const { app, db, shutdown } = await import(
  "../../../examples/node/shutdown/app.ts"
);

test("a job is written to the database", async () => {
  const res = await request(app).get("/jobs?ms=5").expect(200);
  assert.deepEqual(res.body, { id: 1, ms: 5 });
});

for (const query of ["?ms=0", "?ms=10001", "?ms=abc", ""]) {
  test(`GET /jobs${query} is a 422 problem`, async () => {
    const res = await request(app).get(`/jobs${query}`).expect(422);
    assertValidationProblem(res, [
      { parameter: "ms", detail: "must be an integer from 1 to 10000" },
    ]);
  });
}

test("healthz answers and an unknown route is a 404 problem", async () => {
  await request(app).get("/healthz").expect(200, { status: "ok" });
  await request(app).get("/stats").expect(200, { in_flight: 0 });
  await request(app)
    .get("/nope")
    .expect(404, { type: "about:blank", title: "Not Found", status: 404 });
});

test("shutdown waits for the in-flight job, refuses new connections, closes the db", async () => {
  const server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const job = fetch(`${url}/jobs?ms=500`);
  while (
    (
      await (
        await fetch(`${url}/stats`, { headers: { connection: "close" } })
      ).json()
    ).in_flight === 0
  );
  const status = shutdown(server, 10_000);
  await assert.rejects(fetch(`${url}/healthz`)); // no longer accepting
  const res = await job;
  assert.equal(res.status, 200);
  assert.equal((await res.json()).ms, 500);
  assert.equal(await status, 0);
  assert.equal(db.open, false);
  assert.equal(existsSync(`${dbPath}-wal`), false);
});

function processDbPath(t: TestContext): string {
  return join(scratchDir(t, "shutdown-process"), "jobs.db");
}

async function waitForJob(url: string): Promise<void> {
  while (
    (
      await (
        await fetch(`${url}/stats`, { headers: { connection: "close" } })
      ).json()
    ).in_flight === 0
  );
}

test("run directly, SIGTERM lets the in-flight job finish, then the process exits 0", async (t) => {
  const path = processDbPath(t);
  const server = await startExample("examples/node/shutdown/app.ts", {
    DB_PATH: path,
  });
  t.after(() => server.stop());
  // Connection: close, or the process would wait for the idle keep-alive
  // connection too.
  const job = fetch(`${server.url}/jobs?ms=500`, {
    headers: { connection: "close" },
  });
  await waitForJob(server.url);
  const exit = server.stop();
  const res = await job;
  assert.deepEqual(await res.json(), { id: 1, ms: 500 });
  assert.deepEqual(await exit, { code: 0, signal: null });
  assert.equal(existsSync(`${path}-wal`), false, "the database was closed");
});

test("run directly, a job longer than SHUTDOWN_GRACE_MS is cut off and the exit status is 1", async (t) => {
  const env = { DB_PATH: processDbPath(t), SHUTDOWN_GRACE_MS: "200" };
  const server = await startExample("examples/node/shutdown/app.ts", env);
  t.after(() => server.stop());
  // Its connection is closed without an answer.
  const cut = assert.rejects(fetch(`${server.url}/jobs?ms=10000`), TypeError);
  await waitForJob(server.url);
  const began = performance.now();
  assert.deepEqual(await server.stop(), { code: 1, signal: null });
  assert.ok(
    performance.now() - began < 5000,
    "the grace period bounds the wait",
  );
  await cut;
});
