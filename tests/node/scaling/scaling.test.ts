// In-process tests of the Node scaling example: two instances on one real
// Redis, and the cluster as a real process.
import assert from "node:assert/strict";
import { once } from "node:events";
import http, { type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { createClient } from "redis";
import request from "supertest";
import { WebSocket } from "ws";
import {
  createApp,
  createChat,
  loadConfig,
  type ScalingConfig,
} from "../../../examples/node/scaling/app.ts";
import { type RedisServer, startRedis } from "../helpers/redis.ts";
import { launchExample, startExample } from "../helpers/run-example.ts";

let redisServer: RedisServer;
const running: { close(): Promise<void> }[] = [];

function config(instance: string, url = redisServer.url): ScalingConfig {
  return { HOST: "127.0.0.1", PORT: 0, REDIS_URL: url, INSTANCE: instance };
}

/** An instance: the app and its chat room on a free port. */
async function instance(name: string, url?: string) {
  const settings = config(name, url);
  const chat = await createChat(settings);
  const server: Server = createApp(settings).listen(0, "127.0.0.1");
  await once(server, "listening");
  chat.attach(server);
  const { port } = server.address() as AddressInfo;
  const stop = {
    async close() {
      await chat.close();
      server.closeAllConnections();
      server.close();
    },
  };
  running.push(stop);
  return { url: `ws://127.0.0.1:${port}/chat`, chat, stop };
}

/** A member, and every line it receives, in order. */
async function member(url: string) {
  const socket = new WebSocket(url);
  const lines: Record<string, unknown>[] = [];
  socket.on("message", (data) => lines.push(JSON.parse(String(data))));
  await once(socket, "open");
  const closed = once(socket, "close");
  return { socket, lines, closed };
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

before(async () => {
  redisServer = await startRedis();
});
after(async () => {
  for (const stop of running) await stop.close();
  await redisServer.stop();
});

// --8<-- [start:tests]
test("a message sent to A reaches a member on B", async () => {
  const [a, b] = [await instance("a"), await instance("b")];
  const alice = await member(a.url);
  const bob = await member(b.url);
  await until(() => alice.lines.length === 1 && bob.lines.length === 1);
  assert.deepEqual(
    [alice.lines[0], bob.lines[0]],
    [
      { type: "welcome", instance: "a" },
      { type: "welcome", instance: "b" },
    ],
  );
  alice.socket.send("hello from a");
  await until(() => bob.lines.length === 2);
  assert.equal(bob.lines[1]?.text, "hello from a");
  assert.equal(bob.lines[1]?.instance, "a");
  alice.socket.close();
  bob.socket.close();
});

test("both instances deliver one order", async () => {
  const [a, b] = [await instance("a"), await instance("b")];
  const alice = await member(a.url);
  const bob = await member(b.url);
  for (let n = 0; n < 10; n++) (n % 2 ? alice : bob).socket.send(`m${n}`);
  await until(() => alice.lines.length === 11 && bob.lines.length === 11);
  assert.deepEqual(alice.lines.slice(1), bob.lines.slice(1));
  const seqs = alice.lines.slice(1).map((line) => Number(line.seq));
  assert.deepEqual(
    seqs,
    [...seqs].sort((x, y) => x - y),
  );
  alice.socket.close();
  bob.socket.close();
});
// --8<-- [end:tests]

test("bad frames close the connection", async () => {
  const a = await instance("a");
  for (const [frame, code] of [
    ["x".repeat(1001), 1009],
    [Buffer.from([0]), 1003],
  ] as const) {
    const alice = await member(a.url);
    alice.socket.send(frame);
    const [closedWith] = await alice.closed;
    assert.equal(closedWith, code);
  }
});

test("without Redis the chat closes with 1011", async () => {
  const own = await startRedis();
  const c = await instance("c", own.url);
  const carol = await member(c.url);
  await own.stop();
  carol.socket.send("anyone?");
  const [closedWith] = await carol.closed;
  assert.equal(closedWith, 1011);
});

test("a member that stops reading is dropped; the others get everything", async () => {
  const a = await instance("a");
  const fast = await member(a.url);
  const slow = await member(a.url);
  slow.socket.pause(); // reads nothing from now on
  const line = "界".repeat(1000);
  for (let batch = 0; batch < 200 && a.chat.room.clients.size === 2; batch++) {
    const before = fast.lines.length;
    for (let n = 0; n < 20; n++) fast.socket.send(line);
    await until(() => fast.lines.length === before + 20, 10_000);
  }
  assert.equal(a.chat.room.clients.size, 1);
  assert.ok(fast.lines.slice(1).every((entry) => entry.text === line));
  fast.socket.close();
  slow.socket.terminate();
});

test("whoami, busy and their problems", async () => {
  const app = createApp(config("in-process"));
  const me = (await request(app).get("/whoami").expect(200)).body;
  assert.deepEqual(me, { instance: "in-process", pid: process.pid });
  const started = performance.now();
  assert.deepEqual((await request(app).get("/busy?ms=100")).body, me);
  assert.ok(performance.now() - started >= 100);
  for (const ms of ["2001", "-1", "1e3", "", "01000x"]) {
    const res = await request(app).get(`/busy?ms=${ms}`).expect(422);
    assert.equal(res.body.errors[0].parameter, "ms");
  }
  await request(app).get("/busy").expect(422);
  await request(app).post("/busy").expect(405);
  await request(app).post("/whoami").expect(405);
  await request(app).post("/healthz").expect(405);
  assert.deepEqual((await request(app).get("/healthz")).body, {
    status: "ok",
  });
});

test("the subscription comes back after Redis drops it", async () => {
  const a = await instance("a");
  const alice = await member(a.url);
  const admin = createClient({ url: redisServer.url });
  await admin.connect();
  await admin.sendCommand(["CLIENT", "KILL", "TYPE", "pubsub"]);
  await admin.close();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  alice.socket.send("still here");
  await until(() => alice.lines.some((line) => line.text === "still here"));
  alice.socket.close();
});

test("the cluster answers from two processes at once, and stops on SIGTERM", async (t) => {
  const workers = await startExample("examples/node/scaling/workers.ts", {
    REDIS_URL: redisServer.url,
    WORKERS: "2",
  });
  t.after(() => workers.stop());
  // Both workers listening: the primary hands out connections in turn.
  // The second may still be starting on a busy machine: ask for 20 s at most.
  const pids = new Set<number>();
  const deadline = Date.now() + 20_000;
  while (pids.size < 2 && Date.now() < deadline) {
    pids.add((await getOnNewConnection(`${workers.url}/whoami`)).pid);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.equal(pids.size, 2, "the second worker never answered");
  // One request keeps its worker busy: the other must answer the second.
  const busy = () => getOnNewConnection(`${workers.url}/busy?ms=1500`);
  const [first, second] = await Promise.all([busy(), busy()]);
  assert.notEqual(first.pid, second.pid);
  assert.deepEqual(await workers.stop(), { code: 0, signal: null });
});

test("run directly, with bad settings it exits 1 in one line", async () => {
  const bad = await launchExample("examples/node/scaling/app.ts", {
    REDIS_URL: "memcached://nope",
  });
  assert.deepEqual(await bad.exited, { code: 1, signal: null });
  assert.match(bad.output(), /^invalid configuration:\n {2}REDIS_URL/m);
  assert.throws(() => loadConfig({ INSTANCE: "x".repeat(65) }));
});

test("run directly, it serves and stops on SIGTERM with status 0", async () => {
  const app = await startExample("examples/node/scaling/app.ts", {
    REDIS_URL: redisServer.url,
  });
  const res = await fetch(`${app.url}/whoami`);
  assert.equal(res.status, 200);
  assert.deepEqual(await app.stop(), { code: 0, signal: null });
});

/** GET on a connection of its own (fetch would reuse one), as JSON. */
async function getOnNewConnection(url: string): Promise<{ pid: number }> {
  const req = http.get(url, { agent: false });
  const [res] = (await once(req, "response")) as [http.IncomingMessage];
  let body = "";
  for await (const chunk of res) body += chunk;
  return JSON.parse(body);
}
