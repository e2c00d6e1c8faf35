// In-process tests of the Node users API (the contract suite covers both
// runtimes).
import assert from "node:assert/strict";
import { join } from "node:path";
import { Writable } from "node:stream";
import { beforeEach, test } from "node:test";
import express from "express";
import type { Kysely } from "kysely";
import { pino } from "pino";
import request from "supertest";
import { errorHandler } from "../../../examples/node/problem-details.ts";
import { createApp } from "../../../examples/node/users/app.ts";
import {
  ConfigError,
  loadConfig,
} from "../../../examples/node/users/config.ts";
import {
  migrate,
  openDatabase,
  type Schema,
} from "../../../examples/node/users/db.ts";
import { MAX_BODY_BYTES } from "../../../examples/node/users/middleware.ts";
import { down } from "../../../examples/node/users/migrations/0001_create_users.ts";
import {
  launchExample,
  scratchDir,
  startExample,
} from "../helpers/run-example.ts";

let app: ReturnType<typeof createApp>;
let db: Kysely<Schema>;

// --8<-- [start:tests]
beforeEach(async () => {
  db = openDatabase("sqlite://"); // an in-memory database per test
  await migrate(db);
  app = createApp(db, pino({ enabled: false }));
});

test("create then get", async () => {
  const created = await request(app)
    .post("/users")
    .send({ email: "Ada@Example.com", name: "Ada" })
    .expect(201);
  assert.deepEqual(created.body, {
    id: 1,
    email: "ada@example.com",
    name: "Ada",
  });
  assert.equal(created.headers.location, "/users/1");
  const fetched = await request(app).get("/users/1").expect(200);
  assert.deepEqual(fetched.body, created.body);
});

test("an unknown field is rejected", async () => {
  const body = { email: "eve@example.com", name: "Eve", is_admin: true };
  const res = await request(app).post("/users").send(body).expect(422);
  assert.match(
    res.headers["content-type"] ?? "",
    /^application\/problem\+json/,
  );
  assert.deepEqual(res.body.errors, [
    { pointer: "/is_admin", detail: "is not a known field" },
  ]);
});
// --8<-- [end:tests]

test("update and delete", async () => {
  await request(app)
    .post("/users")
    .send({ email: "a@example.com", name: "Before" })
    .expect(201);
  const res = await request(app)
    .patch("/users/1")
    .send({ name: "After" })
    .expect(200);
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
    await request(app)
      .post("/users")
      .send({ email: `u${n}@example.com`, name: "User" })
      .expect(201);
  }
  const first = await request(app)
    .get("/users")
    .query({ limit: "2" })
    .expect(200);
  assert.deepEqual(
    first.body.items.map((u: { id: number }) => u.id),
    [1, 2],
  );
  const second = await request(app)
    .get("/users")
    .query({ cursor: first.body.next_cursor })
    .expect(200);
  assert.deepEqual(
    second.body.items.map((u: { id: number }) => u.id),
    [3],
  );
  assert.equal(second.body.next_cursor, null);
});

test("names count code points, not UTF-16 units", async () => {
  await request(app)
    .post("/users")
    .send({ email: "e@example.com", name: "👋".repeat(100) })
    .expect(201);
  await request(app)
    .post("/users")
    .send({ email: "f@example.com", name: "👋".repeat(101) })
    .expect(422);
});

test("405 lists every method of the resource", async () => {
  const res = await request(app).put("/users/1").expect(405);
  assert.equal(res.headers.allow, "DELETE, GET, HEAD, PATCH");
});

test("configuration errors name the variable", () => {
  assert.throws(
    () => loadConfig({ PORT: "eighty" }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /^invalid configuration:\n {2}PORT: /);
      return true;
    },
  );
  assert.equal(loadConfig({}).PORT, 8080);
  // Not the Python twin's default file: each runtime migrates its own.
  assert.equal(loadConfig({}).DATABASE_URL, "sqlite:///users-node.db");
});

const VALIDATION = {
  type: "/problems/validation-error",
  title: "Unprocessable Content",
  status: 422,
};

test("a bad cursor is a 422 problem naming the parameter", async () => {
  for (const cursor of [
    "nope",
    "MQ==",
    Buffer.from("-1").toString("base64url"),
  ]) {
    const res = await request(app).get("/users").query({ cursor }).expect(422);
    assert.deepEqual(res.body, {
      ...VALIDATION,
      detail: "The request is invalid.",
      errors: [
        { parameter: "cursor", detail: "is not a cursor this API issued" },
      ],
    });
  }
});

test("a bad limit is a 422 problem naming the parameter", async () => {
  const res = await request(app).get("/users?limit=0").expect(422);
  assert.deepEqual(res.body.errors, [
    { parameter: "limit", detail: "must be 1 to 100" },
  ]);
});

for (const [name, send, status, body] of [
  [
    "a body that is not JSON by its type",
    { type: "text/plain", data: "{}" },
    415,
    {
      type: "about:blank",
      title: "Unsupported Media Type",
      status: 415,
      detail: "Send the body as application/json.",
    },
  ],
  [
    "an empty body",
    { type: "application/json", data: "" },
    400,
    {
      type: "/problems/malformed-json",
      title: "Bad Request",
      status: 400,
      detail: "The body is empty.",
    },
  ],
  [
    "a body that is not JSON",
    { type: "application/json", data: "{nope" },
    400,
    {
      type: "/problems/malformed-json",
      title: "Bad Request",
      status: 400,
      detail: "The body is not valid JSON.",
    },
  ],
  [
    "a body over the limit",
    { type: "application/json", data: `"${"x".repeat(MAX_BODY_BYTES)}"` },
    413,
    {
      type: "about:blank",
      title: "Content Too Large",
      status: 413,
      detail: `The body must not exceed ${MAX_BODY_BYTES} bytes.`,
    },
  ],
] as const) {
  test(`${name} is a ${status} problem`, async () => {
    const res = await request(app)
      .post("/users")
      .set("content-type", send.type)
      .send(send.data)
      .expect(status);
    assert.match(
      res.headers["content-type"] ?? "",
      /^application\/problem\+json/,
    );
    assert.deepEqual(res.body, body);
  });
}

test("an unknown user, route or method is a problem", async () => {
  const missing = await request(app).get("/users/7").expect(404);
  assert.deepEqual(missing.body, {
    type: "about:blank",
    title: "Not Found",
    status: 404,
    detail: "There is no user 7.",
  });
  await request(app)
    .get("/nope")
    .expect(404, { type: "about:blank", title: "Not Found", status: 404 });
  const wrong = await request(app).put("/users").expect(405);
  assert.equal(wrong.headers.allow, "GET, HEAD, POST");
  assert.deepEqual(wrong.body, {
    type: "about:blank",
    title: "Method Not Allowed",
    status: 405,
  });
});

test("healthz and the OpenAPI document", async () => {
  await request(app).get("/healthz").expect(200, { status: "ok" });
  const res = await request(app).get("/openapi.json").expect(200);
  assert.equal(res.body.openapi, "3.1.0");
  assert.deepEqual(Object.keys(res.body.paths), [
    "/healthz",
    "/users",
    "/users/{user_id}",
  ]);
});

test("a crash is a 500 problem that leaks nothing; the log has the cause", async () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  app = createApp(db, pino(sink));
  // The table is gone: the next write fails inside the driver.
  await down(db);
  const res = await request(app)
    .post("/users")
    .send({ email: "a@example.com", name: "Ada" })
    .expect(500);
  assert.deepEqual(res.body, {
    type: "about:blank",
    title: "Internal Server Error",
    status: 500,
    detail: "An unexpected error occurred.",
  });
  const logged = lines
    .map((line) => JSON.parse(line))
    .find((line) => line.msg === "unhandled error");
  assert.match(logged?.err?.message ?? "", /no such table: users/);
  assert.equal(logged?.request_id, res.headers["x-request-id"]);
});

test("a PostgreSQL URL opens a pool that connects on first use", async () => {
  // nothing listens on port 1
  const postgres = openDatabase("postgresql://nobody@127.0.0.1:1/none");
  try {
    await assert.rejects(migrate(postgres), { code: "ECONNREFUSED" });
  } finally {
    await postgres.destroy();
  }
});

test("run directly, the file serves the API, logs each request as JSON, and SIGTERM ends it", async (t) => {
  const dir = scratchDir(t, "users");
  const url = `sqlite:///${join(dir, "users.db")}`;
  const server = await startExample("examples/node/users/app.ts", {
    DATABASE_URL: url,
    LOG_LEVEL: "info",
  });
  t.after(() => server.stop());
  const res = await fetch(`${server.url}/users`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-request-id": "test-1" },
    body: JSON.stringify({ email: "ada@example.com", name: "Ada" }),
  });
  assert.equal(res.status, 201);
  const output = await server.printed('"request_id":"test-1"');
  const text = output.split("\n").find((line) => line.includes('"test-1"'));
  const { timestamp, duration_ms, ...line } = JSON.parse(text ?? "");
  assert.deepEqual(line, {
    level: "info",
    event: "request",
    request_id: "test-1",
    method: "POST",
    path: "/users",
    status: 201,
  });
  assert.ok(!Number.isNaN(Date.parse(timestamp)));
  assert.equal(typeof duration_ms, "number");
  assert.deepEqual(await server.stop(), { code: null, signal: "SIGTERM" });
});

test("run directly with bad configuration, the file names the variable and exits 1", async () => {
  const server = await launchExample("examples/node/users/app.ts", {
    LOG_LEVEL: "loud",
  });
  assert.deepEqual(await server.exited, { code: 1, signal: null });
  assert.match(server.output(), /^invalid configuration:\n {2}LOG_LEVEL: /m);
  assert.doesNotMatch(server.output(), /\bat .+:\d+:\d+/); // no stack trace
});

test("run directly with a database it cannot reach, the file says so in one line and exits 1", async () => {
  const server = await launchExample("examples/node/users/app.ts", {
    DATABASE_URL: "postgresql://nobody:secret@127.0.0.1:1/none",
  });
  assert.deepEqual(await server.exited, { code: 1, signal: null });
  assert.match(server.output(), /^cannot use the database: .+$/m);
  assert.doesNotMatch(server.output(), /secret/);
  assert.doesNotMatch(server.output(), /\bat .+:\d+:\d+/); // no stack trace
});

test("a repeated query parameter is a 422 naming it", async () => {
  const res = await request(app).get("/users?limit=1&limit=2").expect(422);
  assert.deepEqual(res.body.errors, [
    { parameter: "limit", detail: "must be given once" },
  ]);
});

test("an id that is not percent-encoded UTF-8 names no user", async () => {
  await request(app).get("/users/%FF").expect(404);
});

test("a compressed body is a 415 that asks for none", async () => {
  const res = await request(app)
    .post("/users")
    .set("Content-Type", "application/json")
    .set("Content-Encoding", "gzip")
    .send(Buffer.from("{}"))
    .expect(415);
  assert.equal(res.headers["accept-encoding"], "identity");
});

test("a body that is not UTF-8 or nests too deep is malformed JSON", async () => {
  const post = (body: Buffer | string) =>
    request(app)
      .post("/users")
      .set("Content-Type", "application/json")
      // Bytes as they are: superagent passes a Buffer through unchanged.
      .serialize((raw: Buffer | string) => raw as string)
      .send(body)
      .expect(400);
  const latin1 = await post(Buffer.from([0x22, 0xe9, 0x22]));
  assert.equal(latin1.body.detail, "The body is not valid JSON.");
  const deep = await post(`${"[".repeat(33)}${"]".repeat(33)}`);
  assert.equal(deep.body.detail, "The body nests deeper than 32 levels.");
  // Brackets inside strings do not count.
  const quoted = await request(app)
    .post("/users")
    .set("Content-Type", "application/json")
    .send(`{"email": "q@example.com", "name": "${"[".repeat(40)}"}`)
    .expect(201);
  assert.equal(quoted.body.name, "[".repeat(40));
});

test("Express's own client errors keep their status as a problem", async () => {
  const failing = express();
  failing.get("/", () => {
    throw Object.assign(new Error("request aborted"), { status: 400 });
  });
  failing.use(errorHandler());
  const res = await request(failing).get("/").expect(400);
  assert.equal(res.body.title, "Bad Request");
});
