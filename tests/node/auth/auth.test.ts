// In-process tests of the Node auth example, on a real Redis.
import assert from "node:assert/strict";
import { after, before, beforeEach, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { pino } from "pino";
import request from "supertest";
import { type AuthConfig, createApp } from "../../../examples/node/auth/app.ts";
import {
  hashPassword,
  verifyPassword,
} from "../../../examples/node/auth/passwords.ts";
import {
  connectRedis,
  type Redis,
} from "../../../examples/node/caching/cache.ts";
import { type RedisServer, startRedis } from "../helpers/redis.ts";
import { launchExample, startExample } from "../helpers/run-example.ts";

const SECRET = `unit-test-${"k".repeat(54)}`;
const RIGHT = "correct horse";
const quiet = pino({ enabled: false });
let server: RedisServer;
let redis: Redis;

function config(logN = 14): AuthConfig {
  return {
    HOST: "127.0.0.1",
    PORT: 0,
    LOG_LEVEL: "error",
    JWT_SECRET: SECRET,
    REDIS_URL: server.url,
    TOKEN_TTL_S: 900,
    SCRYPT_LOG_N: logN,
    SIGNIN_ATTEMPTS: 5,
    SIGNIN_WINDOW_S: 900,
  };
}
let app: ReturnType<typeof createApp>;

before(async () => {
  server = await startRedis();
  redis = connectRedis(server.url, quiet);
  while (!redis.isReady) await sleep(10); // it connects in the background
  app = createApp(redis, config(), quiet);
});
after(async () => {
  await redis.close();
  await server.stop();
});
beforeEach(async () => {
  await redis.flushAll();
});

async function signedIn(email = "ada@example.com") {
  const created = await request(app)
    .post("/accounts")
    .send({ email, name: "Ada", password: RIGHT });
  assert.equal(created.status, 201);
  assert.equal(created.headers.location, `/accounts/${created.body.id}`);
  const session = await request(app)
    .post("/sessions")
    .send({ email, password: RIGHT });
  return {
    id: created.body.id as string,
    token: session.body.access_token as string,
  };
}

test("sign in and read yourself", async () => {
  const { id, token } = await signedIn();
  const me = await request(app)
    .get("/me")
    .set("authorization", `Bearer ${token}`);
  assert.deepEqual(me.body, { id, email: "ada@example.com", name: "Ada" });
});

test("an address registers once", async () => {
  await signedIn();
  const again = await request(app)
    .post("/accounts")
    .send({ email: "ada@example.com", name: "Eve", password: RIGHT });
  assert.equal(again.status, 409);
});

test("wrong passwords, then too many", async () => {
  await signedIn();
  const statuses = [];
  for (let i = 0; i < 6; i++) {
    const res = await request(app)
      .post("/sessions")
      .send({ email: "ada@example.com", password: "nope" });
    statuses.push(res.status);
  }
  // The sign-in in signedIn() reset the count: five wrong, then refused.
  assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429]);
});

test("tokens that fail", async () => {
  const { id, token } = await signedIn();
  const none = await request(app).get("/me");
  assert.equal(none.headers["www-authenticate"], "Bearer");
  const bad = await request(app)
    .get("/me")
    .set("authorization", "Bearer x.y.z");
  assert.equal(bad.headers["www-authenticate"], 'Bearer error="invalid_token"');
  await redis.del(`account:${id}`);
  const gone = await request(app)
    .get("/me")
    .set("authorization", `Bearer ${token}`);
  assert.equal(gone.body.detail, "The token's account no longer exists.");
});

test("rename yourself, not others", async () => {
  const mine = await signedIn();
  const theirs = await signedIn("grace@example.com");
  const own = await request(app)
    .patch(`/accounts/${mine.id}`)
    .set("authorization", `Bearer ${mine.token}`)
    .send({ name: "Grace" });
  assert.equal(own.body.name, "Grace");
  const other = await request(app)
    .patch(`/accounts/${theirs.id}`)
    .set("authorization", `Bearer ${mine.token}`)
    .send({ name: "Xavier" });
  assert.equal(other.status, 403);
});

test("the token says who and until when", async () => {
  const { id, token } = await signedIn();
  const claims = decodeJwt(token);
  assert.equal(claims.sub, id);
  assert.equal(Number(claims.exp) - Number(claims.iat), 900);
  assert.equal(decodeProtectedHeader(token).alg, "HS256");
});

test("hashing does not block the event loop", async () => {
  // At OWASP's cost (2^17) a hash takes a second or more here; /healthz must
  // answer meanwhile, so the hash cannot run on the event loop.
  const slow = createApp(redis, config(17), quiet);
  const signingUp = request(slow)
    .post("/accounts")
    .send({ email: "slow@example.com", name: "Ada", password: RIGHT })
    .then((res) => res.status);
  let done = false;
  signingUp.then(() => {
    done = true;
  });
  await sleep(50);
  const health = await request(slow).get("/healthz");
  assert.equal(health.status, 200);
  assert.equal(done, false, "the hash finished first: no evidence");
  assert.equal(await signingUp, 201);
});

test("a hash verifies only its password", async () => {
  const stored = await hashPassword(RIGHT, 14);
  assert.equal(await verifyPassword(RIGHT, stored), true);
  assert.equal(await verifyPassword(`${RIGHT}!`, stored), false);
  assert.notEqual(stored, await hashPassword(RIGHT, 14)); // a new salt
});

test("run directly, it signs in", async (t) => {
  const api = await startExample("examples/node/auth/app.ts", {
    REDIS_URL: server.url,
    JWT_SECRET: SECRET,
    SCRYPT_LOG_N: "14",
  });
  t.after(() => api.stop());
  const res = await fetch(`${api.url}/accounts`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      email: "run@example.com",
      name: "Ada",
      password: RIGHT,
    }),
  });
  assert.equal(res.status, 201);
});

test("without JWT_SECRET it exits 1 in one line", async () => {
  const bad = await launchExample("examples/node/auth/app.ts", {});
  assert.deepEqual(await bad.exited, { code: 1, signal: null });
  assert.match(bad.output(), /^invalid configuration:\n {2}JWT_SECRET/m);
});
