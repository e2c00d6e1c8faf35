// In-process tests of the Node telemetry example, with a real downstream
// server and a real OTLP endpoint for the example run as a process.
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import request from "supertest";
import { createApp } from "../../../examples/node/telemetry/app.ts";
import {
  freePort,
  launchExample,
  startExample,
} from "../helpers/run-example.ts";

const traceparents: (string | undefined)[] = [];
const downstream = http.createServer((req, res) => {
  traceparents.push(req.headers.traceparent as string | undefined);
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify({ service: "downstream" }));
});
// What an OTLP/HTTP collector receives: each export's protobuf body.
const exports: Buffer[] = [];
const collector = http.createServer(async (req, res) => {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  if (req.url === "/v1/traces") exports.push(Buffer.concat(parts));
  res.end();
});
const url = (server: http.Server) =>
  `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

before(async () => {
  for (const server of [downstream, collector]) {
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  }
});
after(() => {
  for (const server of [downstream, collector]) {
    server.closeAllConnections();
    server.close();
  }
});

const settings = {
  OTEL_SERVICE_NAME: "telemetry-node",
  HOST: "127.0.0.1",
  PORT: 0,
};

test("an item, with no downstream", async () => {
  const res = await request(createApp(settings)).get("/items/1");
  assert.deepEqual(res.body, { item: 1, service: "telemetry-node" });
});

test("the call downstream carries the trace on", async () => {
  const app = createApp({ ...settings, DOWNSTREAM_URL: url(downstream) });
  const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
  const res = await request(app)
    .get("/items/3")
    .set("traceparent", `00-${traceId}-00f067aa0ba902b7-01`);
  assert.deepEqual(res.body.downstream, { service: "downstream" });
  const sent = traceparents.at(-1) ?? "";
  assert.equal(sent.split("-")[1], traceId);
});

test("a failing downstream is a 502", async () => {
  const nowhere = `http://127.0.0.1:${await freePort()}`;
  const app = createApp({ ...settings, DOWNSTREAM_URL: nowhere });
  const res = await request(app).get("/items/1");
  assert.equal(res.status, 502);
  assert.equal(res.body.detail, "the downstream call failed");
});

test("a downstream error status is a 502 too", async (t) => {
  const refusing = http.createServer((_req, res) => {
    res.statusCode = 503;
    res.end();
  });
  await new Promise<void>((done) => refusing.listen(0, "127.0.0.1", done));
  t.after(() => refusing.close());
  const app = createApp({ ...settings, DOWNSTREAM_URL: url(refusing) });
  assert.equal((await request(app).get("/items/1")).status, 502);
});

test("an item id that is not 1 to 9 digits names no item", async () => {
  const res = await request(createApp(settings)).get("/items/x1");
  assert.equal(res.status, 404);
});

test("metrics count by route template and status", async () => {
  const app = createApp(settings);
  for (const path of ["/items/1", "/items/2", "/nope", "/healthz"]) {
    await request(app).get(path);
  }
  const text = (await request(app).get("/metrics")).text;
  const counts = text
    .split("\n")
    .filter((line) => line.startsWith("http_server_requests_total{"));
  assert.deepEqual(counts.sort(), [
    'http_server_requests_total{method="GET",route="/healthz",status="200"} 1',
    'http_server_requests_total{method="GET",route="/items/{item_id}",status="200"} 2',
    'http_server_requests_total{method="GET",route="unmatched",status="404"} 1',
  ]);
});

test("run directly, it exports its spans and sends the last on SIGTERM", async () => {
  const api = await startExample("examples/node/telemetry/app.ts", {
    OTEL_EXPORTER_OTLP_ENDPOINT: url(collector),
    OTEL_BSP_SCHEDULE_DELAY: "60000", // only shutdown() sends them
  });
  assert.equal((await fetch(`${api.url}/items/9`)).status, 200);
  await sleep(100);
  const before = exports.length;
  assert.deepEqual(await api.stop(), { code: 0, signal: null });
  assert.ok(exports.length > before, "no spans were sent on shutdown");
  assert.ok(exports.at(-1)?.includes("telemetry-node"));
});

test("run directly with bad settings, it exits 1 in one line", async () => {
  const bad = await launchExample("examples/node/telemetry/app.ts", {
    DOWNSTREAM_URL: "ftp://nowhere",
  });
  assert.deepEqual(await bad.exited, { code: 1, signal: null });
  assert.match(bad.output(), /^invalid configuration:\n {2}DOWNSTREAM_URL/m);
});
