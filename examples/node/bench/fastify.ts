// The benchmark server in Fastify 5: the same routes as app.ts, logger off.

// --8<-- [start:app]
import { readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import Fastify, { type FastifyReply } from "fastify";
import {
  IO_DELAY_MS,
  JSON_PAYLOAD,
  multiplyPure,
  prepareFixtures,
} from "./workloads.ts";

const { dataFile, readUser } = prepareFixtures();
export const app = Fastify({ logger: false });

// Fastify appends "; charset=utf-8" to a JSON type when the body is an object
// or a string; a Buffer is sent as given, so all servers send the same
// Content-Type.
const json = (reply: FastifyReply, body: unknown, type = "application/json") =>
  reply.header("content-type", type).send(Buffer.from(JSON.stringify(body)));

app.get("/healthz", (_req, reply) => json(reply, { status: "ok" }));
app.get("/json", (_req, reply) => json(reply, JSON_PAYLOAD));
app.get("/db", (_req, reply) => json(reply, readUser()));
app.get("/io", async (_req, reply) => {
  await sleep(IO_DELAY_MS);
  return json(reply, { waited_ms: IO_DELAY_MS });
});
app.get("/cpu", (_req, reply) => json(reply, multiplyPure()));
app.get("/file", async (_req, reply) =>
  reply.type("text/plain; charset=utf-8").send(await readFile(dataFile)),
);
app.setNotFoundHandler((_req, reply) => {
  const body = { type: "about:blank", title: "Not Found", status: 404 };
  return json(reply.code(404), body, "application/problem+json");
});
// --8<-- [end:app]

if (import.meta.main) {
  await app.listen({
    port: Number(process.env.PORT ?? 8080),
    host: process.env.HOST ?? "127.0.0.1",
  });
}
