// Concurrent I/O fan-out: three slow upstream calls at once, one deadline.
import express, { type Request, type Response } from "express";
import {
  answerParserErrors,
  errorHandler,
  everyParameter,
  methodNotAllowed,
  noRepeatedParameters,
  notFound,
  Problem,
  validationProblem,
} from "../problem-details.ts";

export const app = express();
app.disable("x-powered-by");
app.set("case sensitive routing", true);
app.set("strict routing", true);
app.set("query parser", everyParameter); // as Starlette: keep every one
const SOURCES = ["prices", "stock", "reviews"] as const;

app
  .route("/healthz")
  .get(noRepeatedParameters, (_req: Request, res: Response) => {
    res.json({ status: "ok" });
  })
  .all(methodNotAllowed("GET, HEAD"));

// --8<-- [start:fanout]
class UpstreamError extends Error {}

async function fetchJson(
  base: string,
  source: string,
  signal: AbortSignal,
): Promise<unknown> {
  let response: globalThis.Response;
  try {
    response = await fetch(`${base}/${source}`, { signal });
  } catch (error) {
    // Our own deadline or cancellation, not a failure: pass it on.
    if (signal.aborted) throw error;
    throw new UpstreamError(source);
  }
  if (!response.ok) throw new UpstreamError(source);
  return response.json().catch((error: unknown) => {
    // The signal can abort while the body is still arriving: pass that on too.
    if (signal.aborted) throw error;
    throw new UpstreamError(source);
  });
}

async function dashboard(req: Request, res: Response): Promise<void> {
  const timeoutMs = parseTimeout(req.query.timeout_ms);
  const upstream = process.env.UPSTREAM_URL ?? "http://127.0.0.1:9";
  // One signal for every call: it aborts at the deadline, or as soon as one
  // call fails, so no call is left running. Promise.all alone would leave the
  // others going.
  const failed = new AbortController();
  const signal = AbortSignal.any([
    AbortSignal.timeout(timeoutMs),
    failed.signal,
  ]);
  const calls = SOURCES.map((source) =>
    fetchJson(upstream, source, signal).catch((error: unknown) => {
      failed.abort(error);
      throw error;
    }),
  );
  try {
    const parts = await Promise.all(calls);
    res.json(
      Object.fromEntries(SOURCES.map((source, i) => [source, parts[i]])),
    );
  } catch (error) {
    if (error instanceof DOMException && error.name === "TimeoutError") {
      const detail = `upstreams took over ${timeoutMs} ms`;
      throw new Problem(504, { detail });
    }
    // Promise.all rejects at the first failure; wait for the rest to name all.
    const results = await Promise.allSettled(calls);
    const names = SOURCES.filter((source, i) => {
      const result = results[i];
      // An aborted call rejects with the first failure as its reason: skip it.
      return (
        result?.status === "rejected" &&
        (result.reason as Error).message === source
      );
    });
    const detail = `upstream failed: ${names.sort().join(", ")}`;
    throw new Problem(502, { detail });
  }
}

app
  .route("/dashboard")
  .get(noRepeatedParameters, dashboard)
  .all(methodNotAllowed("GET, HEAD"));
// --8<-- [end:fanout]

// --8<-- [start:validate]
/** `timeout_ms`: 1000 if absent, else digits for 50 to 5000 (the Python
 * version's pattern); anything else, "+50" or " 50" included, is a 422. */
const TIMEOUT_PATTERN = /^(5000|[1-4][0-9]{3}|[1-9][0-9]{2}|[5-9][0-9])$/;

function parseTimeout(value: unknown): number {
  if (value === undefined) return 1000;
  if (typeof value !== "string" || !TIMEOUT_PATTERN.test(value)) {
    const detail = "must be an integer from 50 to 5000";
    throw validationProblem([{ parameter: "timeout_ms", detail }]);
  }
  return Number(value);
}
// --8<-- [end:validate]

// --8<-- [start:errors]
// Registered last: every request that no route matched, then every error.
app.use(notFound, errorHandler());
// --8<-- [end:errors]

if (import.meta.main) {
  const port = Number(process.env.PORT ?? 8080);
  // Requests that Node's HTTP parser refuses get problems too.
  answerParserErrors(app.listen(port, process.env.HOST ?? "127.0.0.1"));
}
