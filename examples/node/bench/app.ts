// The benchmark server in Express 5: one route per workload, no request log.

// --8<-- [start:app]
import { readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import express, { type Request, type Response } from "express";
import {
  IO_DELAY_MS,
  JSON_PAYLOAD,
  multiplyPure,
  prepareFixtures,
} from "./workloads.ts";

const { dataFile, readUser } = prepareFixtures();
const JSON_TYPE = "application/json";
const PROBLEM_TYPE = "application/problem+json";
export const app = express();
app.disable("x-powered-by");
app.set("etag", false); // no other server hashes each body
app.set("strict routing", true);

// Express's res.set() and res.json() append "; charset=utf-8" to a JSON type;
// Node's own setHeader() keeps the header as given, so all servers send the
// same Content-Type.
function sendJson(res: Response, body: unknown, status = 200): void {
  res
    .status(status)
    .setHeader("Content-Type", status === 200 ? JSON_TYPE : PROBLEM_TYPE);
  res.send(Buffer.from(JSON.stringify(body)));
}

app.get("/healthz", (_req: Request, res: Response) =>
  sendJson(res, { status: "ok" }),
);
app.get("/json", (_req: Request, res: Response) => sendJson(res, JSON_PAYLOAD));
app.get("/db", (_req: Request, res: Response) => sendJson(res, readUser()));
app.get("/io", async (_req: Request, res: Response) => {
  await sleep(IO_DELAY_MS); // the event loop serves other requests meanwhile
  sendJson(res, { waited_ms: IO_DELAY_MS });
});
app.get("/cpu", (_req: Request, res: Response) =>
  sendJson(res, multiplyPure()),
);
app.get("/file", async (_req: Request, res: Response) => {
  res
    .set("Content-Type", "text/plain; charset=utf-8")
    .send(await readFile(dataFile));
});
app.use((_req: Request, res: Response) => {
  sendJson(res, { type: "about:blank", title: "Not Found", status: 404 }, 404);
});
// --8<-- [end:app]

// --8<-- [start:main]
if (import.meta.main) {
  const port = Number(process.env.PORT ?? 8080);
  app.listen(port, process.env.HOST ?? "127.0.0.1");
}
// --8<-- [end:main]
