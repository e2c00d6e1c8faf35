// In-process tests of the Node users API (the contract suite covers both runtimes).
import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";
import { pino } from "pino";
import request from "supertest";
import { createApp } from "../../../examples/node/users/app.ts";
import { loadConfig, ConfigError } from "../../../examples/node/users/config.ts";
import { migrate, openDatabase } from "../../../examples/node/users/db.ts";

let app: ReturnType<typeof createApp>;

// --8<-- [start:tests]
beforeEach(async () => {
  const db = openDatabase("sqlite://"); // an in-memory database per test
  await migrate(db);
  app = createApp(db, pino({ enabled: false }));
});

test("create then get", async () => {
  const created = await request(app).post("/users").send({ email: "Ada@Example.com", name: "Ada" }).expect(201);
  assert.deepEqual(created.body, { id: 1, email: "ada@example.com", name: "Ada" });
  assert.equal(created.headers.location, "/users/1");
  const fetched = await request(app).get("/users/1").expect(200);
  assert.deepEqual(fetched.body, created.body);
});

test("an unknown field is rejected", async () => {
  const body = { email: "eve@example.com", name: "Eve", is_admin: true };
  const res = await request(app).post("/users").send(body).expect(422);
  assert.match(res.headers["content-type"] ?? "", /^application\/problem\+json/);
  assert.deepEqual(res.body.errors, [{ pointer: "/is_admin", detail: "is not a known field" }]);
});
// --8<-- [end:tests]

test("update and delete", async () => {
  await request(app).post("/users").send({ email: "a@example.com", name: "Before" }).expect(201);
  const res = await request(app).patch("/users/1").send({ name: "After" }).expect(200);
  assert.deepEqual(res.body, { id: 1, email: "a@example.com", name: "After" });
  await request(app).delete("/users/1").expect(204);
  await request(app).get("/users/1").expect(404);
});

test("a duplicate email is a conflict", async () => {
  const body = { email: "twin@example.com", name: "Twin" };
  await request(app).post("/users").send(body).expect(201);
  const res = await request(app).post("/users").send(body).expect(409);
  assert.equal(res.body.type, "/problems/duplicate-email");
});

test("pages follow the cursor", async () => {
  for (const n of [0, 1, 2]) {
    await request(app).post("/users").send({ email: `u${n}@example.com`, name: "User" }).expect(201);
  }
  const first = await request(app).get("/users").query({ limit: "2" }).expect(200);
  assert.deepEqual(first.body.items.map((u: { id: number }) => u.id), [1, 2]);
  const second = await request(app).get("/users").query({ cursor: first.body.next_cursor }).expect(200);
  assert.deepEqual(second.body.items.map((u: { id: number }) => u.id), [3]);
  assert.equal(second.body.next_cursor, null);
});

test("names count code points, not UTF-16 units", async () => {
  await request(app).post("/users").send({ email: "e@example.com", name: "👋".repeat(100) }).expect(201);
  await request(app).post("/users").send({ email: "f@example.com", name: "👋".repeat(101) }).expect(422);
});

test("405 lists every method of the resource", async () => {
  const res = await request(app).put("/users/1").expect(405);
  assert.equal(res.headers.allow, "DELETE, GET, PATCH");
});

test("configuration errors name the variable", () => {
  assert.throws(() => loadConfig({ PORT: "eighty" }), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.match(error.message, /^invalid configuration:\n {2}PORT: /);
    return true;
  });
  assert.equal(loadConfig({}).PORT, 8080);
});
