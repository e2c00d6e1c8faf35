// In-process tests of the Node fan-out: supertest drives the app, the upstream
// is a real server.
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, beforeEach, test } from "node:test";
import request from "supertest";
import { app } from "../../../examples/node/fanout/app.ts";
import { assertValidationProblem } from "../helpers/problems.ts";
import { startExample } from "../helpers/run-example.ts";

const state = {
  delayMs: 200,
  failing: "",
  garbled: "",
  stalled: "", // answers 200 at once, then stalls in the middle of its body
  inFlight: 0,
  peak: 0,
  abandoned: 0,
};
const upstream = http.createServer((req, res) => {
  const name = (req.url ?? "/").slice(1);
  if (name === state.failing) {
    // Fail only once the other two calls are in flight, so that they are there
    // to be aborted: on a loaded machine, an instant 503 could come before they
    // even connected, and nothing would be left to abort.
    const deadline = Date.now() + 2000;
    const fail = () => {
      if (state.inFlight < 2 && Date.now() < deadline) {
        setTimeout(fail, 5);
        return;
      }
      res.statusCode = 503;
      res.end();
    };
    fail();
    return;
  }
  if (name === state.garbled) {
    res.end("{not json"); // a 200 whose body is not JSON
    return;
  }
  if (name === state.stalled) {
    res.writeHead(200, { "content-type": "application/json" });
    res.write('{"source":');
    res.on("close", () => {
      if (!res.writableFinished) state.abandoned += 1;
    });
    return;
  }
  state.inFlight += 1;
  state.peak = Math.max(state.peak, state.inFlight);
  const timer = setTimeout(
    () => res.end(JSON.stringify({ source: name })),
    state.delayMs,
  );
  res.on("close", () => {
    state.inFlight -= 1;
    if (!res.writableFinished) {
      clearTimeout(timer);
      state.abandoned += 1; // the caller hung up before the answer
    }
  });
});

before(async () => {
  await new Promise<void>((resolve) =>
    upstream.listen(0, "127.0.0.1", resolve),
  );
  const { port } = upstream.address() as AddressInfo;
  process.env.UPSTREAM_URL = `http://127.0.0.1:${port}`;
});
after(() => {
  upstream.closeAllConnections();
  upstream.close();
});
beforeEach(() =>
  Object.assign(state, {
    delayMs: 200,
    failing: "",
    garbled: "",
    stalled: "",
    peak: 0,
    abandoned: 0,
  }),
);

async function waitFor(
  check: () => boolean,
  timeoutMs: number,
): Promise<boolean> {
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
  // Each call waits a whole second (deadline 5 s), so all three overlap even
  // when a loaded machine is slow to start the third (0.2 s made it a race).
  state.delayMs = 1000;
  const res = await request(app).get("/dashboard?timeout_ms=5000").expect(200);
  assert.deepEqual(Object.keys(res.body).sort(), [
    "prices",
    "reviews",
    "stock",
  ]);
  assert.equal(state.peak, 3);
});

test("the deadline answers 504 and aborts the pending calls", async () => {
  state.delayMs = 5000;
  // A whole second: on a loaded machine all three calls are under way by then, so the
  // test is about cancelling them, not about how fast they start.
  const res = await request(app).get("/dashboard?timeout_ms=1000").expect(504);
  assert.match(
    res.headers["content-type"] ?? "",
    /^application\/problem\+json/,
  );
  assert.deepEqual(res.body, {
    type: "about:blank",
    title: "Gateway Timeout",
    status: 504,
    detail: "upstreams took over 1000 ms",
  });
  assert.ok(
    await waitFor(() => state.abandoned === 3, 4000),
    `abandoned ${state.abandoned}`,
  );
});

test("a deadline that falls while a body is arriving is a 504, not a 502", async () => {
  // The other two answer at once; the stalled body outlasts the deadline. Reading
  // it then fails because the deadline aborted it, not because the upstream did
  // (found by the differential fuzzer at timeout_ms=50 on a loaded machine).
  // Three seconds: even a loaded machine has the stalled head out by then.
  Object.assign(state, { delayMs: 0, stalled: "reviews" });
  const res = await request(app).get("/dashboard?timeout_ms=3000").expect(504);
  assert.equal(res.body.detail, "upstreams took over 3000 ms");
  assert.ok(
    await waitFor(() => state.abandoned === 1, 4000),
    `abandoned ${state.abandoned}`,
  );
});

test("one failing upstream is a 502 that names it and aborts the others", async () => {
  Object.assign(state, { delayMs: 5000, failing: "reviews" });
  const res = await request(app).get("/dashboard").expect(502);
  assert.deepEqual(res.body, {
    type: "about:blank",
    title: "Bad Gateway",
    status: 502,
    detail: "upstream failed: reviews",
  });
  assert.ok(
    await waitFor(() => state.abandoned === 2, 4000),
    `abandoned ${state.abandoned}`,
  );
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

test("an upstream that answers something other than JSON is a 502 naming it", async () => {
  Object.assign(state, { delayMs: 5000, garbled: "stock" });
  const res = await request(app).get("/dashboard").expect(502);
  assert.equal(res.body.detail, "upstream failed: stock");
});

// Digits only: a sign, a space, a fraction, an exponent, an underscore or a
// leading zero is a 422 too.
const BAD = [
  "49",
  "5001",
  "abc",
  "1.5",
  "",
  "+50",
  " 50",
  "50.0",
  "5_0",
  "5e1",
  "050",
];
for (const value of BAD) {
  test(`timeout_ms=${JSON.stringify(value)} is a 422 problem`, async () => {
    const res = await request(app)
      .get("/dashboard")
      .query({ timeout_ms: value })
      .expect(422);
    assertValidationProblem(res, [
      {
        parameter: "timeout_ms",
        detail: "must be an integer from 50 to 5000",
      },
    ]);
  });
}

test("a repeated timeout_ms is a 422 problem, not a list", async () => {
  const res = await request(app)
    .get("/dashboard?timeout_ms=100&timeout_ms=200")
    .expect(422);
  assertValidationProblem(res, [
    { parameter: "timeout_ms", detail: "must be given once" },
  ]);
});

for (const path of ["/healthz", "/dashboard"]) {
  test(`PUT ${path} is a 405 problem; HEAD is GET without the body`, async () => {
    const res = await request(app).put(path).expect(405);
    assert.equal(res.headers.allow, "GET, HEAD");
    const head = await request(app).head(path).expect(200);
    assert.equal(head.text, undefined);
  });
}

test("an unknown route is a 404 problem", async () => {
  await request(app)
    .get("/nope")
    .expect(404, { type: "about:blank", title: "Not Found", status: 404 });
});

test("run directly, the file calls the upstreams named by UPSTREAM_URL; SIGTERM ends it", async (t) => {
  const server = await startExample("examples/node/fanout/app.ts", {
    UPSTREAM_URL: process.env.UPSTREAM_URL as string,
  });
  t.after(() => server.stop());
  const res = await fetch(`${server.url}/dashboard`);
  assert.deepEqual(await res.json(), {
    prices: { source: "prices" },
    stock: { source: "stock" },
    reviews: { source: "reviews" },
  });
  assert.deepEqual(await server.stop(), { code: null, signal: "SIGTERM" });
});
