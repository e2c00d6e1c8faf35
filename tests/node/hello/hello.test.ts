// In-process tests of the Node hello app: supertest drives the exported app, no
// port needed.
// --8<-- [start:tests]
import assert from "node:assert/strict";
import { test } from "node:test";
import request from "supertest";
import { app } from "../../../examples/node/hello/app.ts";

test("GET /healthz reports ok", async () => {
  const res = await request(app).get("/healthz").expect(200);
  assert.deepEqual(res.body, { status: "ok" });
});

test("GET /hello greets by name", async () => {
  const res = await request(app)
    .get("/hello")
    .query({ name: "Ada" })
    .expect(200);
  assert.deepEqual(res.body, { message: "Hello, Ada!" });
});

test("GET /hello rejects a name of 41 characters: a 422 problem", async () => {
  const res = await request(app)
    .get("/hello")
    .query({ name: "x".repeat(41) })
    .expect(422);
  assert.match(
    res.headers["content-type"] ?? "",
    /^application\/problem\+json/,
  );
  assert.deepEqual(res.body, {
    type: "/problems/validation-error",
    title: "Unprocessable Content",
    status: 422,
    detail: "The request is invalid.",
    errors: [
      { parameter: "name", detail: "must be a string of 1 to 40 characters" },
    ],
  });
});
// --8<-- [end:tests]

test("GET /hello counts characters, not UTF-16 code units", async () => {
  await request(app)
    .get("/hello")
    .query({ name: "👋".repeat(40) })
    .expect(200);
  await request(app)
    .get("/hello")
    .query({ name: "👋".repeat(41) })
    .expect(422);
});

test("a repeated name parameter is rejected, not turned into a list", async () => {
  const res = await request(app).get("/hello?name=a&name=b").expect(422);
  assert.deepEqual(res.body.errors, [
    { parameter: "name", detail: "must be given once" },
  ]);
});

test("HEAD /hello is GET without the body", async () => {
  const res = await request(app).head("/hello?name=Ada").expect(200);
  assert.equal(
    res.headers["content-length"],
    String('{"message":"Hello, Ada!"}'.length),
  );
  assert.equal(res.text, undefined);
});

test("every query parameter counts, past the parser's default 1000", async () => {
  const others = Array.from({ length: 1000 }, (_, i) => `p${i}=1`).join("&");
  const res = await request(app).get(`/hello?${others}&name=Ada`).expect(200);
  assert.deepEqual(res.body, { message: "Hello, Ada!" });
});

test("an empty name is a 422 problem; no name greets the world", async () => {
  await request(app).get("/hello?name=").expect(422);
  const res = await request(app).get("/hello").expect(200);
  assert.deepEqual(res.body, { message: "Hello, world!" });
});

for (const path of ["/hello", "/healthz"]) {
  test(`POST ${path} is a 405 problem with an Allow header`, async () => {
    const res = await request(app).post(path).expect(405);
    assert.equal(res.headers.allow, "GET, HEAD");
    assert.deepEqual(res.body, {
      type: "about:blank",
      title: "Method Not Allowed",
      status: 405,
    });
  });
}

test("an unknown route is a 404 problem", async () => {
  const res = await request(app).get("/nope").expect(404);
  assert.deepEqual(res.body, {
    type: "about:blank",
    title: "Not Found",
    status: 404,
  });
});

test("run directly, the file listens on PORT, says where, and SIGTERM ends it", async (t) => {
  // Imported here: the imports at the top are the ones the Hello page shows.
  const { startExample } = await import("../helpers/run-example.ts");
  const server = await startExample("examples/node/hello/app.ts");
  t.after(() => server.stop());
  const res = await fetch(`${server.url}/hello?name=Ada`);
  assert.deepEqual(await res.json(), { message: "Hello, Ada!" });
  await server.printed(`listening on ${server.url}\n`);
  // No SIGTERM handler: the signal's default action ends the process.
  assert.deepEqual(await server.stop(), { code: null, signal: "SIGTERM" });
});
