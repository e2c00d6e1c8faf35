// In-process tests of the Node streaming example on a real port (SSE needs a
// live socket and WebSockets an HTTP server), with Node's own fetch and the ws
// client.
import assert from "node:assert/strict";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import request from "supertest";
import { WebSocket } from "ws";
import { app, attachChat } from "../../../examples/node/streaming/app.ts";
import { assertValidationProblem } from "../helpers/problems.ts";
import { startExample } from "../helpers/run-example.ts";

let server: Server;
let base = "";
before(async () => {
  server = app.listen(0, "127.0.0.1");
  attachChat(server);
  await new Promise((resolve) => server.once("listening", resolve));
  base = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

async function stats(): Promise<Record<string, number>> {
  return (await fetch(`http://${base}/stats`)).json() as Promise<
    Record<string, number>
  >;
}

async function eventually(
  check: () => Promise<boolean>,
  timeoutMs = 5000,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return check();
}

function open(host = base): Promise<WebSocket> {
  const ws = new WebSocket(`ws://${host}/chat`);
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
}

function nextMessages(
  ws: WebSocket,
  count: number,
): Promise<{ seq: number; text: string }[]> {
  const lines: { seq: number; text: string }[] = [];
  return new Promise((resolve) => {
    const onMessage = (data: Buffer) => {
      lines.push(JSON.parse(data.toString()));
      if (lines.length === count) {
        ws.off("message", onMessage);
        resolve(lines);
      }
    };
    ws.on("message", onMessage);
  });
}

test("SSE sends numbered events in order, then ends", async () => {
  const res = await fetch(`http://${base}/events?count=3&interval_ms=0`);
  assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/);
  const ids = (await res.text())
    .split("\n")
    .filter((line) => line.startsWith("id: "));
  assert.deepEqual(ids, ["id: 1", "id: 2", "id: 3"]);
  assert.equal((await stats()).streams_open, 0);
});

test("SSE notices a client that disconnects", async () => {
  const before = (await stats()).streams_abandoned ?? 0;
  const gone = new AbortController();
  const res = await fetch(`http://${base}/events?count=1000&interval_ms=50`, {
    signal: gone.signal,
  });
  const reader = res.body?.getReader();
  await reader?.read(); // the first event has arrived
  gone.abort();
  assert.ok(
    await eventually(
      async () => (await stats()).streams_abandoned === before + 1,
    ),
  );
});

test("SSE waits for the socket to drain when an event overfills it", async () => {
  // Each 64 KiB event is more than the socket's buffer takes at once: write()
  // returns false.
  const res = await fetch(
    `http://${base}/events?count=3&interval_ms=0&pad=65536`,
  );
  const events = (await res.text()).split("\n\n").filter(Boolean);
  assert.equal(events.length, 3);
  assert.ok(events.every((event) => event.length > 65536));
});

test("SSE stops producing for a client that stops reading, and notices it leave", async () => {
  const before = await stats();
  const gone = new AbortController();
  const res = await fetch(
    `http://${base}/events?count=1000&interval_ms=0&pad=65536`,
    {
      signal: gone.signal,
    },
  );
  await res.body?.getReader().read(); // then read nothing more
  // The server fills the buffers between it and this client, then waits for a
  // drain.
  let produced = -1;
  assert.ok(
    await eventually(async () => {
      const now = (await stats()).events_produced ?? 0;
      const stalled = now === produced;
      produced = now;
      return stalled;
    }),
  );
  assert.ok(
    produced - (before.events_produced ?? 0) < 1000,
    "production stopped early",
  );
  gone.abort();
  assert.ok(
    await eventually(
      async () =>
        (await stats()).streams_abandoned ===
        (before.streams_abandoned ?? 0) + 1,
    ),
  );
});

test("SSE bad parameters are a 422 problem naming each one", async () => {
  const res = await request(app).get("/events?count=0&pad=x").expect(422);
  assertValidationProblem(res, [
    { parameter: "count", detail: "must be an integer from 1 to 1000" },
    { parameter: "pad", detail: "must be an integer from 0 to 65536" },
  ]);
});

for (const value of ["%2B5", "+5", "%205", "5.0", "1_0", "1e2", "0x5", ""]) {
  test(`SSE count=${value} is not digits only: a 422`, async () => {
    const res = await request(app).get(`/events?count=${value}`).expect(422);
    assertValidationProblem(res, [
      { parameter: "count", detail: "must be an integer from 1 to 1000" },
    ]);
  });
}

test("SSE parameters given twice are a 422, before their values are read", async () => {
  const res = await request(app).get("/events?count=1&count=x").expect(422);
  assertValidationProblem(res, [
    { parameter: "count", detail: "must be given once" },
  ]);
});

test("HEAD answers like GET without a body; other methods are a 405", async () => {
  for (const path of ["/healthz", "/stats", "/events?count=1&interval_ms=0"]) {
    const res = await request(app).head(path).expect(200);
    assert.deepEqual(res.body, {});
    await request(app).post(path).expect("allow", "GET, HEAD").expect(405, {
      type: "about:blank",
      title: "Method Not Allowed",
      status: 405,
    });
  }
});

test("chat relays every message to every member in order", async () => {
  const [alice, bob] = [await open(), await open()];
  const received = [nextMessages(alice, 5), nextMessages(bob, 5)];
  for (let n = 0; n < 5; n++) alice.send(`m${n}`);
  for (const lines of await Promise.all(received)) {
    assert.deepEqual(
      lines.map((line) => line.text),
      ["m0", "m1", "m2", "m3", "m4"],
    );
  }
  alice.close();
  // no close frame: the server must notice the dropped connection
  bob.terminate();
  assert.ok(await eventually(async () => (await stats()).chat_members === 0));
});

for (const [name, message, code] of [
  ["1001 characters", "👋".repeat(1001), 1009],
  ["a binary frame", Buffer.from([0, 1]), 1003],
] as const) {
  test(`chat closes on ${name} with ${code}`, async () => {
    const ws = await open();
    const closed = new Promise<number>((resolve) => ws.once("close", resolve));
    ws.send(message);
    assert.equal(await closed, code);
  });
}

test("a frame over 64 KiB closes with 1009, logs one line and the server stays up", async (t) => {
  const logged = t.mock.method(console, "error", () => {});
  const ws = await open();
  const closed = new Promise<number>((resolve) => ws.once("close", resolve));
  ws.send("x".repeat(64 * 1024 + 1));
  assert.equal(await closed, 1009);
  // ws emits "error" after sending the close frame: wait for the listener.
  assert.ok(await eventually(async () => logged.mock.callCount() > 0));
  assert.deepEqual(
    logged.mock.calls.map((call) => JSON.parse(String(call.arguments[0]))),
    [
      {
        level: "warning",
        event: "bad websocket frame",
        detail: "Max payload size exceeded",
      },
    ],
  );
  const member = await open();
  const echoed = nextMessages(member, 1);
  member.send("still serving");
  assert.equal((await echoed)[0]?.text, "still serving");
  member.close();
});

test("chat drops a member that stops reading; the others are still served", async () => {
  const dropped = (await stats()).chat_dropped ?? 0;
  const [slow, fast] = [await open(), await open()];
  slow.pause(); // stop reading: the server's buffers for this member fill up
  const line = "👋".repeat(1000); // 4000 bytes
  let sent = 0;
  while ((await stats()).chat_dropped === dropped && sent < 20_000) {
    const echoed = nextMessages(fast, 100);
    for (let n = 0; n < 100; n++) fast.send(line);
    await echoed;
    sent += 100;
  }
  assert.equal(
    (await stats()).chat_dropped,
    dropped + 1,
    `still queued after ${sent} lines`,
  );
  const after = nextMessages(fast, 1);
  fast.send("after the drop");
  assert.equal((await after)[0]?.text, "after the drop");
  slow.terminate();
  fast.close();
  assert.ok(await eventually(async () => (await stats()).chat_members === 0));
});

test("chat upgrades only on /chat", async () => {
  const ws = new WebSocket(`ws://${base}/other`);
  await new Promise((resolve) => ws.once("error", resolve));
});

test("healthz answers and an unknown route is a 404 problem", async () => {
  await request(app).get("/healthz").expect(200, { status: "ok" });
  await request(app)
    .get("/nope")
    .expect(404, { type: "about:blank", title: "Not Found", status: 404 });
});

test("run directly, the file streams events and chats, and SIGTERM ends it", async (t) => {
  const server = await startExample("examples/node/streaming/app.ts");
  t.after(() => server.stop());
  const res = await fetch(`${server.url}/events?count=2&interval_ms=0`);
  assert.equal(
    (await res.text()).split("\n").filter((line) => line.startsWith("id: "))
      .length,
    2,
  );
  // the upgrade is wired to the server
  const member = await open(new URL(server.url).host);
  const echoed = nextMessages(member, 1);
  member.send("hi");
  assert.equal((await echoed)[0]?.text, "hi");
  member.close();
  assert.deepEqual(await server.stop(), { code: null, signal: "SIGTERM" });
});
