// Graceful shutdown: on SIGTERM, stop accepting, finish in-flight requests,
// close the database.
import type { Server } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import Database from "better-sqlite3";
import express, { type Request, type Response } from "express";
import {
  answerParserErrors,
  errorHandler,
  notFound,
  validationProblem,
} from "../problem-details.ts";

export const db = new Database(process.env.DB_PATH ?? "shutdown.db");
db.pragma("journal_mode = WAL");
db.exec("CREATE TABLE IF NOT EXISTS jobs (id INTEGER PRIMARY KEY, ms INTEGER)");
const insertJob = db.prepare("INSERT INTO jobs (ms) VALUES (?)");
const stats = { in_flight: 0 };

export const app = express();
app.disable("x-powered-by");
app.set("case sensitive routing", true);
app.set("strict routing", true);

app.get("/healthz", (_req: Request, res: Response) => {
  res.json({ status: "ok" });
});

app.get("/stats", (_req: Request, res: Response) => {
  res.json(stats);
});

// --8<-- [start:jobs]
app.get("/jobs", async (req: Request, res: Response) => {
  const { ms: given } = req.query;
  const ms =
    typeof given === "string" && /^\d{1,5}$/.test(given) ? Number(given) : 0;
  if (ms < 1 || ms > 10_000) {
    const detail = "must be an integer from 1 to 10000";
    throw validationProblem([{ parameter: "ms", detail }]);
  }
  // Slow work ending in a database write: what a shutdown must not cut short.
  stats.in_flight += 1;
  try {
    await sleep(ms);
    const { lastInsertRowid } = insertJob.run(ms);
    res.json({ id: Number(lastInsertRowid), ms });
  } finally {
    stats.in_flight -= 1;
  }
});
// --8<-- [end:jobs]

// --8<-- [start:shutdown]
/** Stop accepting, let in-flight requests finish (for at most `graceMs`), close
 * the database. Resolves to the exit status: 0 when every request finished, 1
 * when the grace ran out. */
export function shutdown(server: Server, graceMs: number): Promise<number> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.closeAllConnections(); // cut what is still running
      finish(1);
    }, graceMs);
    // close() stops accepting at once and closes idle keep-alive connections;
    // its callback runs when the last active connection has ended.
    server.close(() => finish(0));
    function finish(status: number): void {
      clearTimeout(timer);
      // Closing checkpoints the write-ahead log and deletes its file.
      if (db.open) db.close();
      resolve(status);
    }
  });
}

if (import.meta.main) {
  const port = Number(process.env.PORT ?? 8080);
  const server = app.listen(port, process.env.HOST ?? "127.0.0.1");
  // Requests that Node's HTTP parser refuses get problems too.
  answerParserErrors(server);
  const graceMs = Number(process.env.SHUTDOWN_GRACE_MS ?? 10_000);
  process.once("SIGTERM", async () => {
    // exit() rather than waiting for the event loop to empty: the timers of
    // requests cut off at the end of the grace period would otherwise keep the
    // process alive.
    process.exit(await shutdown(server, graceMs));
  });
}
// --8<-- [end:shutdown]

// Registered last: every request that no route matched, then every error.
app.use(notFound, errorHandler());
