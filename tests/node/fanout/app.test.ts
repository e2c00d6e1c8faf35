// In-process tests of the Node fan-out: supertest drives the app, the upstream is a real server.
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, beforeEach, test } from "node:test";
import request from "supertest";
import { app } from "../../../examples/node/fanout/app.ts";

const state = { delayMs: 200, failing: "", inFlight: 0, peak: 0, abandoned: 0 };
const upstream = http.createServer((req, res) => {
  const name = (req.url ?? "/").slice(1);
  if (name === state.failing) {
    res.statusCode = 503;
    res.end();
    return;
  }
  state.inFlight += 1;
  state.peak = Math.max(state.peak, state.inFlight);
  const timer = setTimeout(() => res.end(JSON.stringify({ source: name })), state.delayMs);
  res.on("close", () => {
    state.inFlight -= 1;
    if (!res.writableFinished) {
      clearTimeout(timer);
      state.abandoned += 1; // the caller hung up before the answer
    }
  });
});

before(async () => {
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  process.env.UPSTREAM_URL = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});
after(() => {
  upstream.closeAllConnections();
  upstream.close();
});
beforeEach(() => Object.assign(state, { delayMs: 200, failing: "", peak: 0, abandoned: 0 }));

async function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return check();
}

test("GET /healthz reports ok", async () => {
  await request(app).get("/healthz").expect(200, { status: "ok" });
});

test("GET /dashboard calls the three upstreams concurrently", async () => {
  const res = await request(app).get("/dashboard").expect(200);
  assert.deepEqual(Object.keys(res.body).sort(), ["prices", "reviews", "stock"]);
  assert.equal(state.peak, 3);
});

test("the deadline answers 504 and aborts the pending calls", async () => {
  state.delayMs = 5000;
  const res = await request(app).get("/dashboard?timeout_ms=100").expect(504);
  assert.match(res.headers["content-type"] ?? "", /^application\/problem\+json/);
  assert.equal(res.body.detail, "upstreams took over 100 ms");
  assert.ok(await waitFor(() => state.abandoned === 3, 4000), `abandoned ${state.abandoned}`);
});

test("one failing upstream is a 502 that names it and aborts the others", async () => {
  Object.assign(state, { delayMs: 5000, failing: "reviews" });
  const res = await request(app).get("/dashboard").expect(502);
  assert.equal(res.body.detail, "upstream failed: reviews");
  assert.ok(await waitFor(() => state.abandoned === 2, 4000), `abandoned ${state.abandoned}`);
});

test("an unreachable upstream is a 502", async () => {
  const saved = process.env.UPSTREAM_URL;
  process.env.UPSTREAM_URL = "http://127.0.0.1:9";
  try {
    const res = await request(app).get("/dashboard").expect(502);
    assert.equal(res.body.detail, "upstream failed: prices, reviews, stock");
  } finally {
    process.env.UPSTREAM_URL = saved;
  }
});

for (const value of ["49", "5001", "abc", "1.5", ""]) {
  test(`timeout_ms=${JSON.stringify(value)} is a 422 problem`, async () => {
    const res = await request(app).get("/dashboard").query({ timeout_ms: value }).expect(422);
    assert.equal(res.body.errors[0].parameter, "timeout_ms");
  });
}

test("an unknown route is a 404 problem", async () => {
  await request(app).get("/nope").expect(404, { type: "about:blank", title: "Not Found", status: 404 });
});
