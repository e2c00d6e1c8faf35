// In-process tests of the Node CPU example on a real port: the order in which a
// CPU request and a later health check finish shows whether the work blocked
// the event loop.
import assert from "node:assert/strict";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import request from "supertest";
import { app } from "../../../examples/node/cpu/app.ts";
import { burn } from "../../../examples/node/cpu/burn.ts";
import { assertValidationProblem } from "../helpers/problems.ts";
import { startExample } from "../helpers/run-example.ts";

let server: Server;
let base = "";
before(async () => {
  server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

async function finishOrder(route: string): Promise<string[]> {
  const finished: string[] = [];
  // The server runs in this process: its "request" listeners run in order, the
  // app first, so this one fires once the app has dealt with the work request
  // (after the burn when the work is naive, at once when it is offloaded). No
  // fixed wait, which a loaded machine could outlast.
  const arrived = new Promise((resolve) => server.once("request", resolve));
  const work = fetch(`${base}${route}?ms=2500`).then((res) => {
    assert.equal(res.status, 200);
    finished.push("work");
  });
  await arrived;
  const health = fetch(`${base}/healthz`).then((res) => {
    assert.equal(res.status, 200);
    finished.push("healthz");
  });
  await Promise.all([work, health]);
  return finished;
}

test("burn runs for the requested time", () => {
  assert.ok(burn(50) > 0);
});

test("naive CPU work holds up the health check", async () => {
  assert.deepEqual(await finishOrder("/naive"), ["work", "healthz"]);
});

test("offloaded CPU work lets the health check through", async () => {
  await fetch(`${base}/offloaded?ms=1`); // start a worker thread
  assert.deepEqual(await finishOrder("/offloaded"), ["healthz", "work"]);
});

test("two offloaded jobs run in the pool at once and both answer", async () => {
  const [a, b] = await Promise.all([
    request(app).get("/offloaded?ms=20").expect(200),
    request(app).get("/offloaded?ms=20").expect(200),
  ]);
  assert.ok(a.body.rounds > 0 && b.body.rounds > 0);
});

// Digits only: a sign, a space, a fraction, an exponent, an underscore or a
// leading zero is a 422 too.
const BAD = ["0", "5001", "abc", "", "+5", " 5", "5.0", "1_0", "1e2", "05"];
for (const value of [...BAD, undefined]) {
  for (const route of ["/naive", "/offloaded"]) {
    test(`${route}?ms=${JSON.stringify(value)} is a 422 problem`, async () => {
      const res = await request(app)
        .get(route)
        .query(value === undefined ? {} : { ms: value })
        .expect(422);
      assertValidationProblem(res, [
        { parameter: "ms", detail: "must be an integer from 1 to 5000" },
      ]);
    });
  }
}

test("a repeated ms is a 422 problem, not a list", async () => {
  const res = await request(app).get("/naive?ms=1&ms=2").expect(422);
  assertValidationProblem(res, [
    { parameter: "ms", detail: "must be given once" },
  ]);
});

for (const path of ["/healthz", "/naive", "/offloaded"]) {
  test(`DELETE ${path} is a 405 problem; HEAD is GET without the body`, async () => {
    const res = await request(app).delete(path).expect(405);
    assert.equal(res.headers.allow, "GET, HEAD");
    const head = await request(app).head(`${path}?ms=1`).expect(200);
    assert.equal(head.text, undefined);
  });
}

test("an unknown route is a 404 problem", async () => {
  await request(app)
    .get("/nope")
    .expect(404, { type: "about:blank", title: "Not Found", status: 404 });
});

test("run directly, the file serves both routes, and SIGTERM ends it", async (t) => {
  const server = await startExample("examples/node/cpu/app.ts");
  t.after(() => server.stop());
  for (const route of ["/naive", "/offloaded"]) {
    const res = await fetch(`${server.url}${route}?ms=5`);
    assert.equal(res.status, 200);
    assert.equal((await res.json()).ms, 5);
  }
  assert.deepEqual(await server.stop(), { code: null, signal: "SIGTERM" });
});
