// The reports API: POST enqueues a report and answers 202; GET shows its
// state. The work runs in another process (worker.ts).

// --8<-- [start:app]
import { createHash, randomBytes } from "node:crypto";
import { Queue } from "bullmq";
import express, {
  type NextFunction,
  type Request,
  type Response,
} from "express";
import { Redis } from "ioredis";
import type { Logger } from "pino";
import { z } from "zod";
import {
  answerParserErrors,
  errorHandler,
  everyParameter,
  methodNotAllowed,
  noRepeatedParameters,
  notFound,
  Problem,
  sendProblem,
} from "../problem-details.ts";
import { parse } from "../users/app.ts";
import { ConfigError } from "../users/config.ts";
import {
  bodyLimit,
  createLogger,
  jsonBody,
  requestLog,
  securityHeaders,
} from "../users/middleware.ts";
import { name } from "../users/schemas.ts";
import {
  acceptingKey,
  CREATE,
  DEAD_LETTERS,
  type JobConfig,
  loadConfig,
  QUEUE,
  REPORT_TTL_S,
  reportKey,
} from "./store.ts";

const ReportRequest = z.strictObject({
  title: name,
  work_ms: z.number().int().min(0).max(10_000).default(200),
  fail_attempts: z.number().int().min(0).max(10).default(0),
});

// Visible ASCII, as the draft standard's examples; 255 at most.
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
const REPORT_ID = /^rpt_[0-9a-f]{24}$/;

function idempotencyKey(req: Request): string | undefined {
  const given = req.headersDistinct["idempotency-key"];
  if (!given) return undefined;
  const [key] = given;
  if (given.length > 1 || key === undefined || !IDEMPOTENCY_KEY.test(key)) {
    throw new Problem(400, {
      type: "/problems/bad-idempotency-key",
      detail: "Idempotency-Key must be 1 to 255 visible ASCII characters.",
    });
  }
  return key;
}

const sha256 = (text: string) =>
  createHash("sha256").update(text).digest("hex");

// The same key always names the same report: that is what dedupes.
function newReportId(key: string | undefined): string {
  if (key === undefined) return `rpt_${randomBytes(12).toString("hex")}`;
  return `rpt_${sha256(key).slice(0, 24)}`;
}

function state(id: string, fields: Record<string, string>) {
  const { status, attempts, result, error } = fields;
  return { id, status, attempts: Number(attempts), result, error };
}

type Settings = Pick<JobConfig, "REPORT_ATTEMPTS" | "RETRY_BASE_MS">;

export function createApp(
  redis: Redis,
  queue: Queue,
  logger: Logger,
  config: Settings,
): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("case sensitive routing", true);
  app.set("strict routing", true);
  app.set("query parser", everyParameter);
  app.use(securityHeaders, requestLog(logger), bodyLimit);

  app
    .route("/reports")
    .post(jsonBody, noRepeatedParameters, async (req, res) => {
      const key = idempotencyKey(req);
      const body = parse(ReportRequest, req.body, "body");
      const id = newReportId(key);
      const sorted = Object.fromEntries(Object.entries(body).sort());
      const fingerprint = sha256(JSON.stringify(sorted));
      const accepting = acceptingKey(id);
      const existing = await redis.eval(
        CREATE,
        2,
        reportKey(id),
        accepting,
        fingerprint,
        body.title,
        body.work_ms,
        body.fail_attempts,
        REPORT_TTL_S,
      );
      if (existing !== null && existing !== fingerprint) {
        throw new Problem(422, {
          type: "/problems/idempotency-key-reused",
          detail: "This Idempotency-Key was used with another body.",
        });
      }
      if (existing !== null && (await redis.exists(accepting))) {
        throw new Problem(409, {
          type: "/problems/request-in-progress",
          detail: "A request with this Idempotency-Key is in progress.",
        });
      }
      const fields = await redis.hgetall(reportKey(id));
      if (fields.status === "queued") {
        // Also after a crash before sending. BullMQ ignores a second job
        // with the same id.
        await queue.add(
          "build",
          {},
          {
            jobId: id,
            attempts: config.REPORT_ATTEMPTS,
            backoff: { type: "exponential", delay: config.RETRY_BASE_MS },
          },
        );
      }
      await redis.del(accepting);
      res.status(202).location(`/reports/${id}`).json(state(id, fields));
    })
    .all(methodNotAllowed("POST"));

  app
    .route("/reports/:id")
    .get(noRepeatedParameters, async (req: Request<{ id: string }>, res) => {
      const { id } = req.params;
      const fields = REPORT_ID.test(id)
        ? await redis.hgetall(reportKey(id))
        : {};
      if (!fields.status) {
        throw new Problem(404, { detail: `There is no report ${id}.` });
      }
      res.json(state(id, fields));
    })
    .all(methodNotAllowed("GET, HEAD"));

  app
    .route("/dead-letters")
    .get(noRepeatedParameters, async (_req, res) => {
      const listed = [];
      for (const id of await redis.lrange(DEAD_LETTERS, 0, 99)) {
        const fields = await redis.hgetall(reportKey(id));
        if (fields.status) listed.push(state(id, fields)); // not expired
      }
      res.json({ reports: listed });
    })
    .all(methodNotAllowed("GET, HEAD"));

  app
    .route("/healthz")
    .get(noRepeatedParameters, (_req, res) => {
      res.json({ status: "ok" });
    })
    .all(methodNotAllowed("GET, HEAD"));

  // An error while Redis is not connected is Redis's: nothing was queued,
  // and the client may send the same request again.
  app.use(
    notFound,
    (error: unknown, _req: Request, res: Response, next: NextFunction) => {
      if (redis.status === "ready") {
        next(error);
        return;
      }
      res.set("Retry-After", "1");
      const detail = "The queue is unavailable; try again shortly.";
      const type = "/problems/queue-unavailable";
      sendProblem(res, new Problem(503, { type, detail }));
    },
  );
  app.use(errorHandler(logger));
  return app;
}

/** Fail fast while Redis is away, rather than queue commands in memory. */
export function connectRedis(url: string): Redis {
  return new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
}
// --8<-- [end:app]

// --8<-- [start:main]
if (import.meta.main) {
  let config: JobConfig;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
  const redis = connectRedis(config.REDIS_URL);
  redis.on("error", () => {}); // each request that needs it answers 503
  const queue = new Queue(QUEUE, {
    connection: connectRedis(config.REDIS_URL),
  });
  const logger = createLogger(config.LOG_LEVEL);
  const app = createApp(redis, queue, logger, config);
  answerParserErrors(app.listen(config.PORT, config.HOST));
}
// --8<-- [end:main]
