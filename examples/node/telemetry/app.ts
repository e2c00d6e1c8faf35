// Tracing and metrics: one request followed across services, in both
// runtimes. GET /items/:item_id answers with this service's name and, if
// DOWNSTREAM_URL is set, with the downstream service's answer for the same
// item: a call that carries the trace on, whichever runtime answers it.
// GET /metrics is for Prometheus.
import "./instruments.ts"; // first: it patches node:http before Express loads
import { trace } from "@opentelemetry/api";
import express, {
  type NextFunction,
  type Request,
  type Response,
} from "express";
import { Counter, Histogram, Registry } from "prom-client";
import { z } from "zod";
import {
  answerParserErrors,
  errorHandler,
  everyParameter,
  methodNotAllowed,
  noRepeatedParameters,
  notFound,
  Problem,
} from "../problem-details.ts";
import { ConfigError, parseConfig } from "../users/config.ts";
import { sdk } from "./instruments.ts";

// --8<-- [start:settings]
const TelemetryConfig = z.object({
  OTEL_SERVICE_NAME: z.string().min(1).default("telemetry-node"),
  DOWNSTREAM_URL: z
    .string()
    .regex(/^https?:\/\//)
    .optional(),
  HOST: z.string().default("127.0.0.1"),
  PORT: z.coerce.number().int().min(1).max(65535).default(8080),
});
export type TelemetryConfig = z.infer<typeof TelemetryConfig>;
// --8<-- [end:settings]

// --8<-- [start:metrics]
/** /items/:item_id as Python and OpenAPI write it: /items/{item_id}. */
const template = (path: string) => path.replace(/:(\w+)/g, "{$1}");

// The buckets, in seconds, are the Python twin's too: the same histogram.
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Count and time every request but GET /metrics. Labels are the method,
 * the route's template (not the path: one series per route, however many
 * ids), and the status. */
function requestMetrics(registry: Registry) {
  const labelNames = ["method", "route", "status"] as const;
  const requests = new Counter({
    name: "http_server_requests_total",
    help: "HTTP requests answered.",
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "http_server_request_duration_seconds",
    help: "Time to answer an HTTP request.",
    labelNames,
    buckets: BUCKETS,
    registers: [registry],
  });
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.path === "/metrics") return next();
    const stop = duration.startTimer();
    // "close", not "finish": a request whose client left counts too.
    res.on("close", () => {
      // Express knows the matched route by now; written as Python writes
      // it, /items/{item_id}, so both runtimes label alike.
      const path: string | undefined = req.route?.path;
      const route = path ? template(path) : "unmatched";
      const labels = { method: req.method, route, status: res.statusCode };
      requests.inc(labels);
      stop(labels);
    });
    next();
  };
}
// --8<-- [end:metrics]

// --8<-- [start:app]
const ITEM_ID = /^[0-9]{1,9}$/;

export function createApp(config: TelemetryConfig): express.Express {
  const registry = new Registry();
  const app = express();
  app.disable("x-powered-by");
  app.set("case sensitive routing", true);
  app.set("strict routing", true);
  app.set("query parser", everyParameter);
  app.use(requestMetrics(registry));

  app
    .route("/items/:item_id")
    .get(noRepeatedParameters, async (req, res) => {
      const { item_id } = req.params;
      // Names no item; so does /items/%FF, which Express cannot decode.
      if (!ITEM_ID.test(item_id)) throw new Problem(404);
      // Name the server span after the route, as Python's instrumentation
      // does; node:http alone knows only the method.
      const route = template(req.route.path);
      trace.getActiveSpan()?.updateName(`GET ${route}`);
      trace.getActiveSpan()?.setAttribute("http.route", route);
      const answer: Record<string, unknown> = {
        item: Number(item_id),
        service: config.OTEL_SERVICE_NAME,
      };
      if (config.DOWNSTREAM_URL) {
        // fetch gets a client span, and a traceparent header naming it.
        const url = `${config.DOWNSTREAM_URL}/items/${item_id}`;
        try {
          const response = await fetch(url, {
            signal: AbortSignal.timeout(5000),
          });
          if (!response.ok) throw new Error(String(response.status));
          answer.downstream = await response.json();
        } catch {
          throw new Problem(502, { detail: "the downstream call failed" });
        }
      }
      res.json(answer);
    })
    .all(methodNotAllowed("GET, HEAD"));

  app
    .route("/metrics")
    .get(noRepeatedParameters, async (_req, res) => {
      res.type(registry.contentType).send(await registry.metrics());
    })
    .all(methodNotAllowed("GET, HEAD"));

  app
    .route("/healthz")
    .get(noRepeatedParameters, (_req, res) => {
      res.json({ status: "ok" });
    })
    .all(methodNotAllowed("GET, HEAD"));

  app.use(notFound, errorHandler());
  return app;
}
// --8<-- [end:app]

// --8<-- [start:main]
if (import.meta.main) {
  let config: TelemetryConfig;
  try {
    config = parseConfig(TelemetryConfig, process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
  const server = answerParserErrors(
    createApp(config).listen(config.PORT, config.HOST),
  );
  // On SIGTERM: stop taking requests, then send the spans still waiting.
  process.once("SIGTERM", () => {
    server.close(() => {
      sdk.shutdown().finally(() => process.exit(0));
    });
  });
}
// --8<-- [end:main]
