// In-process tests of the Node hello app: supertest drives the exported app, no port needed.
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
  const res = await request(app).get("/hello").query({ name: "Ada" }).expect(200);
  assert.deepEqual(res.body, { message: "Hello, Ada!" });
});

test("GET /hello rejects a name over 40 characters with a 422 problem", async () => {
  const res = await request(app).get("/hello").query({ name: "x".repeat(41) }).expect(422);
  assert.match(res.headers["content-type"] ?? "", /^application\/problem\+json/);
  assert.equal(res.body.errors[0].parameter, "name");
});
// --8<-- [end:tests]

test("GET /hello counts characters, not UTF-16 code units", async () => {
  await request(app).get("/hello").query({ name: "👋".repeat(40) }).expect(200);
  await request(app).get("/hello").query({ name: "👋".repeat(41) }).expect(422);
});

test("a repeated name parameter is rejected, not turned into a list", async () => {
  await request(app).get("/hello?name=a&name=b").expect(422);
});

test("POST /hello is 405 with an Allow header", async () => {
  const res = await request(app).post("/hello").expect(405);
  assert.equal(res.headers.allow, "GET");
});

test("an unknown route is a 404 problem", async () => {
  const res = await request(app).get("/nope").expect(404);
  assert.deepEqual(res.body, { type: "about:blank", title: "Not Found", status: 404 });
});
