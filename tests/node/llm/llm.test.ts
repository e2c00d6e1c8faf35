// In-process tests of the Node llm example on a real port (the stream needs a
// live socket), against a fake OpenAI-compatible model on another.
import assert from "node:assert/strict";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, beforeEach, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import OpenAI from "openai";
import { pino } from "pino";
import request from "supertest";
import { createApp } from "../../../examples/node/llm/app.ts";
import { FakeModel } from "../helpers/model.ts";
import {
  freePort,
  launchExample,
  startExample,
} from "../helpers/run-example.ts";

const TIMEOUT_MS = 1000;
const model = new FakeModel();
const logger = pino({ level: "silent" });
let server: Server;
let base = "";

function config(url: string) {
  return {
    HOST: "127.0.0.1",
    PORT: 0,
    LOG_LEVEL: "error" as const,
    LLM_URL: url,
    LLM_API_KEY: "unused",
    LLM_MODEL: "local",
    LLM_TIMEOUT_MS: TIMEOUT_MS,
  };
}

before(async () => {
  await model.start();
  server = createApp(config(model.url), logger).listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
  model.stop();
});
beforeEach(() => model.reset());

const chat = (prompt: unknown, signal?: AbortSignal) =>
  fetch(`${base}/chat`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ prompt }),
    signal,
  });

/** (event, data) pairs of a whole text/event-stream body. */
function events(text: string): [string, unknown][] {
  return text
    .split("\n\n")
    .filter(Boolean)
    .map((block) => {
      const [name, data] = block.split("\n");
      return [name?.slice(7) ?? "", JSON.parse(data?.slice(6) ?? "")];
    });
}

async function eventually(check: () => boolean, ms = 5000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await sleep(20);
  return check();
}

test("tokens arrive as events, then done", async () => {
  const res = await chat("Say hello");
  assert.equal(res.status, 200);
  assert.equal(
    res.headers.get("content-type"),
    "text/event-stream; charset=utf-8",
  );
  assert.deepEqual(events(await res.text()), [
    ["token", { text: "Hello" }],
    ["token", { text: "," }],
    ["token", { text: " world" }],
    ["token", { text: "!" }],
    ["done", { finish_reason: "stop" }],
  ]);
  const [sent] = model.requests;
  assert.equal(sent?.model, "local");
  assert.equal(sent?.authorization, "Bearer unused");
});

test("an event that overfills the socket waits for a drain", async () => {
  // Each 64 KiB token is more than the response's buffer takes at once.
  model.reset({ tokens: ["x".repeat(65536), "y".repeat(65536)] });
  const found = events(await (await chat("long")).text());
  assert.deepEqual(
    found.map(([name]) => name),
    ["token", "token", "done"],
  );
});

test("a model that falls silent ends the stream with a 504 event", async () => {
  model.reset({ stallAfter: 1 });
  const found = events(await (await chat("hi")).text());
  const detail = `the model sent nothing for ${TIMEOUT_MS} ms`;
  assert.deepEqual(found.at(-1), ["error", { status: 504, detail }]);
});

test("a stream that breaks off ends with a 502 event", async () => {
  model.reset({ cutAfter: 0 });
  const found = events(await (await chat("hi")).text());
  const detail = "the model's stream broke off";
  assert.deepEqual(found, [["error", { status: 502, detail }]]);
});

test("a model that never answers is a 504", async () => {
  model.reset({ headPauseMs: 3000 });
  const res = await request(base).post("/chat").send({ prompt: "hi" });
  assert.equal(res.status, 504);
  assert.equal(res.body.detail, `the model sent nothing for ${TIMEOUT_MS} ms`);
});

test("a model error is a 502", async () => {
  model.reset({ status: 429 });
  const res = await request(base).post("/chat").send({ prompt: "hi" });
  assert.equal(res.status, 502);
  assert.equal(res.body.detail, "the model answered 429");
});

test("a model out of reach is a 502", async () => {
  const nobody = `http://127.0.0.1:${await freePort()}/v1`;
  const app = createApp(config(nobody), logger);
  const res = await request(app).post("/chat").send({ prompt: "hi" });
  assert.equal(res.status, 502);
  assert.equal(res.body.detail, "the model could not be reached");
});

test("a client that leaves mid-stream cancels the model", async () => {
  model.reset({ tokens: Array(100).fill("tick"), pauseMs: 50 });
  const gone = new AbortController();
  const res = await chat("go on", gone.signal);
  await res.body?.getReader().read();
  gone.abort();
  assert.ok(await eventually(() => model.cancelled === 1));
  assert.equal(model.completed, 0);
});

test("a client that leaves before the model answers cancels it", async () => {
  model.reset({ headPauseMs: 500 });
  const gone = new AbortController();
  const pending = chat("hello?", gone.signal).catch(() => "aborted");
  await eventually(() => model.requests.length === 1);
  gone.abort();
  assert.equal(await pending, "aborted");
  assert.ok(await eventually(() => model.cancelled === 1));
});

test("a bad prompt is a 422 and never reaches the model", async () => {
  for (const body of ['{"prompt":""}', '{"prompt":"\\ud800"}', "{}"]) {
    const res = await request(base)
      .post("/chat")
      .set("content-type", "application/json")
      .send(body);
    assert.equal(res.status, 422);
    assert.deepEqual(
      res.body.errors.map((error: { pointer: string }) => error.pointer),
      ["/prompt"],
    );
  }
  assert.deepEqual(model.requests, []);
});

test("the SDK alone does not time out a stalled stream", async () => {
  // What the page's table says: the SDK's timeout ends with the headers.
  model.reset({ stallAfter: 1 });
  const sdk = new OpenAI({
    baseURL: model.url,
    apiKey: "unused",
    timeout: 300,
    maxRetries: 0,
  });
  const stream = await sdk.chat.completions.create({
    model: "local",
    messages: [{ role: "user", content: "hi" }],
    stream: true,
  });
  const drained = (async () => {
    for await (const _ of stream);
    return "ended";
  })().catch(() => "failed");
  const after = sleep(1500).then(() => "still waiting");
  assert.equal(await Promise.race([drained, after]), "still waiting");
  stream.controller.abort();
  await drained;
});

test("healthz", async () => {
  const res = await request(base).get("/healthz");
  assert.deepEqual(res.body, { status: "ok" });
});

test("run directly, it relays the model", async (t) => {
  const api = await startExample("examples/node/llm/app.ts", {
    LLM_URL: model.url,
  });
  t.after(() => api.stop());
  const res = await fetch(`${api.url}/chat`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ prompt: "hi" }),
  });
  assert.equal(events(await res.text()).length, 5);
});

test("run directly with bad settings, it exits 1 in one line", async () => {
  const bad = await launchExample("examples/node/llm/app.ts", {
    LLM_TIMEOUT_MS: "10",
  });
  assert.deepEqual(await bad.exited, { code: 1, signal: null });
  assert.match(bad.output(), /^invalid configuration:\n {2}LLM_TIMEOUT_MS/m);
});
