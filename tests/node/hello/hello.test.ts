// In-process tests of the Node hello app: supertest drives the exported app, no
// port needed.
// --8<-- [start:tests]
import assert from "node:assert/strict";
import { test } from "node:test";
import request from "supertest";
import { app } from "../../../examples/node/hello/app.ts";

test("GET /healthz reports ok", async () => {
  const res = await request(app).get("/healthz").expect(200);
  assert.deepEqual(res.body, { status: "ok" });
});

test("GET /hello greets by name", async () => {
  const res = await request(app)
    .get("/hello")
    .query({ name: "Ada" })
    .expect(200);
  assert.deepEqual(res.body, { message: "Hello, Ada!" });
});

test("GET /hello rejects a name of 41 characters: a 422 problem", async () => {
  const res = await request(app)
    .get("/hello")
    .query({ name: "x".repeat(41) })
    .expect(422);
  assert.match(
    res.headers["content-type"] ?? "",
    /^application\/problem\+json/,
  );
  assert.deepEqual(res.body, {
    type: "/problems/validation-error",
    title: "Unprocessable Content",
    status: 422,
    detail: "The request is invalid.",
    errors: [
      { parameter: "name", detail: "must be a string of 1 to 40 characters" },
    ],
  });
});
// --8<-- [end:tests]

test("GET /hello counts characters, not UTF-16 code units", async () => {
  await request(app)
    .get("/hello")
    .query({ name: "👋".repeat(40) })
    .expect(200);
  await request(app)
    .get("/hello")
    .query({ name: "👋".repeat(41) })
    .expect(422);
});

test("a repeated name parameter is rejected, not turned into a list", async () => {
  const res = await request(app).get("/hello?name=a&name=b").expect(422);
  assert.deepEqual(res.body.errors, [
    { parameter: "name", detail: "must be given once" },
  ]);
});

test("HEAD /hello is GET without the body", async () => {
  const res = await request(app).head("/hello?name=Ada").expect(200);
  assert.equal(
    res.headers["content-length"],
    String('{"message":"Hello, Ada!"}'.length),
  );
  assert.equal(res.text, undefined);
});

test("every query parameter counts, past the parser's default 1000", async () => {
  const others = Array.from({ length: 1000 }, (_, i) => `p${i}=1`).join("&");
  const res = await request(app).get(`/hello?${others}&name=Ada`).expect(200);
  assert.deepEqual(res.body, { message: "Hello, Ada!" });
});

test("an empty name is a 422 problem; no name greets the world", async () => {
  await request(app).get("/hello?name=").expect(422);
  const res = await request(app).get("/hello").expect(200);
  assert.deepEqual(res.body, { message: "Hello, world!" });
});

for (const path of ["/hello", "/healthz"]) {
  test(`POST ${path} is a 405 problem with an Allow header`, async () => {
    const res = await request(app).post(path).expect(405);
    assert.equal(res.headers.allow, "GET, HEAD");
    assert.deepEqual(res.body, {
      type: "about:blank",
      title: "Method Not Allowed",
      status: 405,
    });
  });
}

test("an unknown route is a 404 problem", async () => {
  const res = await request(app).get("/nope").expect(404);
  assert.deepEqual(res.body, {
    type: "about:blank",
    title: "Not Found",
    status: 404,
  });
});

test("run directly, the file listens on PORT, says where, and SIGTERM ends it", async (t) => {
  // Imported here: the imports at the top are the ones the Hello page shows.
  const { startExample } = await import("../helpers/run-example.ts");
  const server = await startExample("examples/node/hello/app.ts");
  t.after(() => server.stop());
  const res = await fetch(`${server.url}/hello?name=Ada`);
  assert.deepEqual(await res.json(), { message: "Hello, Ada!" });
  await server.printed(`listening on ${server.url}\n`);
  // No SIGTERM handler: the signal's default action ends the process.
  assert.deepEqual(await server.stop(), { code: null, signal: "SIGTERM" });
});

// Requests that Node's HTTP parser refuses never reach Express; the examples
// answer them with answerParserErrors (examples/node/problem-details.ts).
// tests/protocol/ probes every example's server with them; these cover each
// branch of the handler in-process.

/** A server on a free port of 127.0.0.1 with the handler installed. */
async function parserErrorServer(
  t: import("node:test").TestContext,
  handler: import("node:http").RequestListener = app,
): Promise<{ server: import("node:http").Server; port: number }> {
  // Imported here: the imports at the top are the ones the Hello page shows.
  const { createServer } = await import("node:http");
  const { answerParserErrors } = await import(
    "../../../examples/node/problem-details.ts"
  );
  const server = answerParserErrors(createServer(handler));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const address = server.address();
  assert.ok(address !== null && typeof address === "object");
  return { server, port: address.port };
}

/** Write `first`; once an answer's head is in, write each of `more` and end
 * the request side. Return everything read until the server closed. */
async function rawExchange(
  port: number,
  first: string,
  ...more: string[]
): Promise<string> {
  const { connect } = await import("node:net");
  // Half-open: the client writes on after the server has ended its side.
  const socket = connect({ port, host: "127.0.0.1", allowHalfOpen: true });
  socket.setEncoding("latin1");
  let text = "";
  const answered = new Promise<void>((resolve) => {
    socket.on("data", (chunk: string) => {
      text += chunk;
      if (text.includes("\r\n\r\n")) resolve();
    });
  });
  const closed = new Promise((resolve) => socket.once("close", resolve));
  socket.write(first);
  await answered;
  for (const bytes of more) socket.write(bytes);
  socket.end();
  await closed;
  return text;
}

function problemReply(status: number, title: string): string {
  const body = JSON.stringify({ type: "about:blank", title, status });
  return (
    `HTTP/1.1 ${status} ${title}\r\n` +
    "Content-Type: application/problem+json; charset=utf-8\r\n" +
    `Content-Length: ${body.length}\r\n` +
    `Connection: close\r\n\r\n${body}`
  );
}

test("a request line Node's parser refuses is a 400 problem", async (t) => {
  const { port } = await parserErrorServer(t);
  const reply = await rawExchange(port, "FOO /healthz HTTP/1.1\r\n\r\n");
  assert.equal(reply, problemReply(400, "Bad Request"));
});

test("headers over Node's 16 KiB are a 431 problem", async (t) => {
  const { port } = await parserErrorServer(t);
  const big = `X-Big: ${"a".repeat(20 * 1024)}\r\n`;
  const reply = await rawExchange(
    port,
    `GET /healthz HTTP/1.1\r\nHost: x\r\n${big}\r\n`,
  );
  assert.equal(reply, problemReply(431, "Request Header Fields Too Large"));
});

test("bytes after the parser's answer get no second answer", async (t) => {
  const { server, port } = await parserErrorServer(t);
  let errors = 0;
  server.on("clientError", () => {
    errors += 1;
  });
  const reply = await rawExchange(port, "FOO / HTTP/1.1\r\n\r\n", "more\r\n");
  assert.equal(reply, problemReply(400, "Bad Request"));
  assert.ok(errors >= 2, `${errors} parser errors`); // one answered, at most
});

test("a parse error mid-response cuts the response, adding nothing", async (t) => {
  const { port } = await parserErrorServer(t, (_req, res) => {
    res.writeHead(200, { "Content-Type": "text/plain" });
    res.write("partial"); // and never ends
  });
  const reply = await rawExchange(
    port,
    "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
    "FOO / HTTP/1.1\r\n\r\n",
  );
  assert.match(reply, /^HTTP\/1\.1 200 OK\r\n/);
  assert.ok(reply.endsWith("partial\r\n"), reply);
  assert.doesNotMatch(reply, /400/);
});
