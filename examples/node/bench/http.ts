// The benchmark server on bare node:http: app.ts's routes without a framework.

// --8<-- [start:app]
import { readFile } from "node:fs/promises";
import {
  createServer,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import {
  IO_DELAY_MS,
  JSON_PAYLOAD,
  multiplyPure,
  prepareFixtures,
} from "./workloads.ts";

const { dataFile, readUser } = prepareFixtures();

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string | Buffer,
): void {
  res.writeHead(status, {
    "Content-Type": type,
    "Content-Length": Buffer.byteLength(body),
  });
  res.end(body);
}

const json = (res: ServerResponse, body: unknown) =>
  send(res, 200, "application/json", JSON.stringify(body));

const routes: Record<string, (res: ServerResponse) => void | Promise<void>> = {
  "/healthz": (res) => json(res, { status: "ok" }),
  "/json": (res) => json(res, JSON_PAYLOAD),
  "/db": (res) => json(res, readUser()),
  "/io": async (res) => {
    await sleep(IO_DELAY_MS);
    json(res, { waited_ms: IO_DELAY_MS });
  },
  "/cpu": (res) => json(res, multiplyPure()),
  "/file": async (res) =>
    send(res, 200, "text/plain; charset=utf-8", await readFile(dataFile)),
};

export const server = createServer(
  async (req: IncomingMessage, res: ServerResponse) => {
    const route = req.method === "GET" ? routes[req.url ?? ""] : undefined;
    if (route) return route(res);
    const body = { type: "about:blank", title: "Not Found", status: 404 };
    send(res, 404, "application/problem+json", JSON.stringify(body));
  },
);
// --8<-- [end:app]

if (import.meta.main) {
  server.listen(
    Number(process.env.PORT ?? 8080),
    process.env.HOST ?? "127.0.0.1",
  );
}
