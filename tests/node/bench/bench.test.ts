// In-process tests of the Node.js bench servers: every route of Express,
// Fastify and node:http answers the same status, Content-Type and bytes.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, test } from "node:test";
import type { Response as AgentResponse } from "superagent";
import request from "supertest";
import { app as express } from "../../../examples/node/bench/app.ts";
import { app as fastify } from "../../../examples/node/bench/fastify.ts";
import { server as nodeHttp } from "../../../examples/node/bench/http.ts";
import {
  fileContent,
  prepareFixtures,
} from "../../../examples/node/bench/workloads.ts";
import { scratchDir, startExample } from "../helpers/run-example.ts";

const JSON_TYPE = "application/json";
const EXPECTED: Record<string, string> = {
  "/healthz": '{"status":"ok"}',
  "/json": '{"message":"Hello, World!"}',
  "/db": '{"id":1,"name":"Ada Lovelace","email":"ada@example.com"}',
  "/io": '{"waited_ms":20}',
  "/cpu": '{"n":40,"trace":48100,"sum":1919722}',
};

await fastify.ready();
after(() => fastify.close());

const servers = { express, fastify: fastify.server, "node:http": nodeHttp };

for (const [name, target] of Object.entries(servers)) {
  for (const [path, body] of Object.entries(EXPECTED)) {
    test(`${name} GET ${path} sends the exact JSON bytes`, async () => {
      const res = await request(target).get(path).buffer(true).parse(rawBody);
      assert.equal(res.status, 200);
      assert.equal(res.headers["content-type"], JSON_TYPE);
      assert.equal((res.body as Buffer).toString(), body);
    });
  }

  test(`${name} GET /file sends the 16 KiB data file`, async () => {
    const res = await request(target).get("/file").buffer(true).parse(rawBody);
    assert.equal(res.status, 200);
    assert.equal(res.headers["content-type"], "text/plain; charset=utf-8");
    const content = res.body as Buffer;
    assert.equal(content.length, 16_384);
    assert.equal(
      content.subarray(0, 64).toString(),
      `${"0123456789abcdef".repeat(4).slice(0, -1)}\n`,
    );
  });

  test(`${name} answers an unknown route with a 404 problem`, async () => {
    const res = await request(target).get("/json/").buffer(true).parse(rawBody);
    assert.equal(res.status, 404);
    assert.equal(res.headers["content-type"], "application/problem+json");
    assert.deepEqual(JSON.parse((res.body as Buffer).toString()), {
      type: "about:blank",
      title: "Not Found",
      status: 404,
    });
  });

  test(`${name} GET /io waits for the upstream delay`, async () => {
    const began = performance.now();
    await request(target).get("/io");
    assert.ok(performance.now() - began >= 19, "a timer never fires early");
  });
}

test("prepareFixtures creates the data file and the database in an empty folder", (t) => {
  const dir = scratchDir(t, "bench-fixtures");
  const first = prepareFixtures(dir);
  assert.deepEqual(readFileSync(first.dataFile), fileContent());
  assert.equal(fileContent().length, 16_384);
  assert.deepEqual(first.readUser(), {
    id: 1,
    name: "Ada Lovelace",
    email: "ada@example.com",
  });
  // A second server (a cluster worker) finds both and reuses them.
  assert.deepEqual(prepareFixtures(dir).readUser(), first.readUser());
});

for (const [file, env] of [
  ["examples/node/bench/app.ts", {}],
  ["examples/node/bench/fastify.ts", {}],
  ["examples/node/bench/http.ts", {}],
  ["examples/node/bench/cluster.ts", { BENCH_WORKERS: "1" }],
] as const) {
  test(`run directly, ${file} serves the workloads, and SIGTERM ends it`, async (t) => {
    const dataDir = scratchDir(t, "bench-data");
    const server = await startExample(file, {
      BENCH_DATA_DIR: dataDir,
      ...env,
    });
    t.after(() => server.stop());
    const res = await fetch(`${server.url}/db`);
    assert.equal(await res.text(), EXPECTED["/db"]);
    assert.deepEqual(await server.stop(), { code: null, signal: "SIGTERM" });
  });
}

// Keep the body as raw bytes, whatever the Content-Type says.
function rawBody(
  res: AgentResponse,
  done: (err: Error | null, body: Buffer) => void,
) {
  const chunks: Buffer[] = [];
  res.on("data", (chunk: Buffer) => chunks.push(chunk));
  res.on("end", () => done(null, Buffer.concat(chunks)));
}
