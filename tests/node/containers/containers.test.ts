// The Node.js image's parts: its health check, and its entry point run as a
// process (SIGTERM must stop it: it is the container's process 1).
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { healthy } from "../../../examples/node/containers/healthcheck.ts";
import {
  freePort,
  launchExample,
  scratchDir,
  startExample,
} from "../helpers/run-example.ts";

async function answering(status: number) {
  const server = http.createServer((_req, res) => {
    res.statusCode = status;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/healthz` };
}

// --8<-- [start:tests]
test("the health check passes only on a 200", async () => {
  for (const [status, expected] of [
    [200, true],
    [503, false],
  ] as const) {
    const { server, url } = await answering(status);
    assert.equal(await healthy(url), expected);
    server.close();
  }
  assert.equal(await healthy(`http://127.0.0.1:${await freePort()}/`), false);
});

test("SIGTERM stops it with status 0, as docker stop needs", async (t) => {
  const database = join(scratchDir(t, "containers"), "users.db");
  const app = await startExample("examples/node/containers/app.ts", {
    DATABASE_URL: `sqlite:///${database}`,
  });
  const res = await fetch(`${app.url}/users`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: "ada@example.com", name: "Ada" }),
  });
  assert.equal(res.status, 201);
  const port = new URL(app.url).port;
  const check = () =>
    launchExample("examples/node/containers/healthcheck.ts", { PORT: port });
  assert.deepEqual(await (await check()).exited, { code: 0, signal: null });
  assert.deepEqual(await app.stop(), { code: 0, signal: null });
  assert.deepEqual(await (await check()).exited, { code: 1, signal: null });
});
// --8<-- [end:tests]

test("bad settings or an unusable database exit 1 in one line", async () => {
  const bad = await launchExample("examples/node/containers/app.ts", {
    LOG_LEVEL: "loud",
  });
  assert.deepEqual(await bad.exited, { code: 1, signal: null });
  assert.match(bad.output(), /^invalid configuration:/m);
  const unreachable = await launchExample("examples/node/containers/app.ts", {
    DATABASE_URL: "postgresql://nobody@127.0.0.1:1/none",
  });
  assert.deepEqual(await unreachable.exited, { code: 1, signal: null });
  assert.match(unreachable.output(), /^cannot use the database: /m);
});
