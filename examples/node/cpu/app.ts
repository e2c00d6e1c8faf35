// CPU-bound work in Node.js: the naive way blocks the event loop, worker
// threads do not.
import { Worker } from "node:worker_threads";
import express, { type Request, type Response } from "express";
import {
  answerParserErrors,
  errorHandler,
  everyParameter,
  methodNotAllowed,
  noRepeatedParameters,
  notFound,
  validationProblem,
} from "../problem-details.ts";
import { burn } from "./burn.ts";

export const app = express();
app.disable("x-powered-by");
app.set("case sensitive routing", true);
app.set("strict routing", true);
app.set("query parser", everyParameter); // as Starlette: keep every one

app
  .route("/healthz")
  .get(noRepeatedParameters, (_req: Request, res: Response) => {
    res.json({ status: "ok" });
  })
  .all(methodNotAllowed("GET, HEAD"));

// --8<-- [start:pool]
// A fixed pool of worker threads, started on first use; jobs wait in a queue
// for a free one.
const POOL_SIZE = 2;
const idle: Worker[] = [];
const queue: { ms: number; done: (rounds: number) => void }[] = [];
let started = 0;

function runInWorker(ms: number): Promise<number> {
  return new Promise((done) => {
    queue.push({ ms, done });
    if (idle.length === 0 && started < POOL_SIZE) {
      started += 1;
      const worker = new Worker(new URL("./worker.ts", import.meta.url));
      worker.unref(); // an idle pool must not keep the process alive
      idle.push(worker);
    }
    dispatch();
  });
}

function dispatch(): void {
  while (idle.length > 0 && queue.length > 0) {
    const worker = idle.pop() as Worker;
    const job = queue.shift() as { ms: number; done: (rounds: number) => void };
    worker.once("message", (rounds: number) => {
      job.done(rounds);
      idle.push(worker);
      dispatch();
    });
    worker.postMessage(job.ms);
  }
}

app
  .route("/naive")
  .get(noRepeatedParameters, (req: Request, res: Response) => {
    const ms = parseMs(req.query.ms);
    // Runs on the main thread: no other callback, not even /healthz, runs
    // until it returns.
    res.json({ ms, rounds: burn(ms) });
  })
  .all(methodNotAllowed("GET, HEAD"));

app
  .route("/offloaded")
  .get(noRepeatedParameters, async (req: Request, res: Response) => {
    const ms = parseMs(req.query.ms);
    // Runs in a worker thread; the main thread's event loop just awaits it.
    res.json({ ms, rounds: await runInWorker(ms) });
  })
  .all(methodNotAllowed("GET, HEAD"));
// --8<-- [end:pool]

// --8<-- [start:errors]
/** The `ms` parameter, digits for 1 to 5000 (the Python version's pattern);
 * anything else, "+5", " 5" or "5.0" included, is a 422. */
const MS_PATTERN = /^(5000|[1-4][0-9]{3}|[1-9][0-9]{0,2})$/;

function parseMs(value: unknown): number {
  if (typeof value !== "string" || !MS_PATTERN.test(value)) {
    const detail = "must be an integer from 1 to 5000";
    throw validationProblem([{ parameter: "ms", detail }]);
  }
  return Number(value);
}

// Registered last: every request that no route matched, then every error.
app.use(notFound, errorHandler());
// --8<-- [end:errors]

if (import.meta.main) {
  const port = Number(process.env.PORT ?? 8080);
  // Requests that Node's HTTP parser refuses get problems too.
  answerParserErrors(app.listen(port, process.env.HOST ?? "127.0.0.1"));
}
