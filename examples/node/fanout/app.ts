// Concurrent I/O fan-out: three slow upstream calls at once, under one total deadline.
import express, { type NextFunction, type Request, type Response } from "express";
import { notFound, problem } from "../problem-details.ts";

export const app = express();
app.disable("x-powered-by");
app.set("case sensitive routing", true);
app.set("strict routing", true);
const SOURCES = ["prices", "stock", "reviews"] as const;

app.get("/healthz", (_req: Request, res: Response) => {
  res.json({ status: "ok" });
});

// --8<-- [start:fanout]
class UpstreamError extends Error {}

async function fetchJson(base: string, source: string, signal: AbortSignal): Promise<unknown> {
  let response: globalThis.Response;
  try {
    response = await fetch(`${base}/${source}`, { signal });
  } catch (error) {
    if (signal.aborted) throw error; // our own deadline or cancellation: not a failure
    throw new UpstreamError(source);
  }
  if (!response.ok) throw new UpstreamError(source);
  return response.json().catch(() => Promise.reject(new UpstreamError(source)));
}

app.get("/dashboard", async (req: Request, res: Response) => {
  const timeoutMs = parseTimeout(req.query.timeout_ms);
  if (timeoutMs === undefined) {
    problem(res, 422, "Unprocessable Content", {
      errors: [{ parameter: "timeout_ms", detail: "must be an integer from 50 to 5000" }],
    });
    return;
  }
  const upstream = process.env.UPSTREAM_URL ?? "http://127.0.0.1:9";
  // One signal for every call: it aborts at the deadline, or as soon as one call fails,
  // so no call is left running. Promise.all alone would leave the others going.
  const failed = new AbortController();
  const signal = AbortSignal.any([AbortSignal.timeout(timeoutMs), failed.signal]);
  const calls = SOURCES.map((source) =>
    fetchJson(upstream, source, signal).catch((error: unknown) => {
      failed.abort(error);
      throw error;
    }),
  );
  try {
    const parts = await Promise.all(calls);
    res.json(Object.fromEntries(SOURCES.map((source, i) => [source, parts[i]])));
  } catch (error) {
    if (error instanceof DOMException && error.name === "TimeoutError") {
      problem(res, 504, "Gateway Timeout", { detail: `upstreams took over ${timeoutMs} ms` });
      return;
    }
    // Promise.all rejects with the first failure; wait for the rest to name them all.
    const results = await Promise.allSettled(calls);
    const names = SOURCES.filter((source, i) => {
      const result = results[i];
      // The aborted calls reject with the first failure as their reason: skip those.
      return result?.status === "rejected" && (result.reason as Error).message === source;
    });
    problem(res, 502, "Bad Gateway", { detail: `upstream failed: ${names.sort().join(", ")}` });
  }
});
// --8<-- [end:fanout]

// --8<-- [start:validate]
function parseTimeout(value: unknown): number | undefined {
  if (value === undefined) return 1000;
  if (typeof value !== "string" || !/^\d{1,4}$/.test(value)) return undefined;
  const ms = Number(value);
  return ms >= 50 && ms <= 5000 ? ms : undefined;
}
// --8<-- [end:validate]

// --8<-- [start:errors]
app.use(notFound); // registered last: every request no route matched
app.use((_error: unknown, _req: Request, res: Response, _next: NextFunction) => {
  problem(res, 500, "Internal Server Error");
});
// --8<-- [end:errors]

if (import.meta.main) {
  const port = Number(process.env.PORT ?? 8080);
  app.listen(port, process.env.HOST ?? "127.0.0.1");
}
