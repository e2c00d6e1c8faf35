// The worker: a BullMQ worker that builds reports.
//
// Run it as its own process, `node examples/node/jobs/worker.ts`; the API
// (app.ts) only adds a job whose id is the report's.

// --8<-- [start:worker]
import { setTimeout as sleep } from "node:timers/promises";
import { UnrecoverableError, Worker } from "bullmq";
import { Redis } from "ioredis";
import { ConfigError } from "../users/config.ts";
import {
  COMMIT,
  DEAD_LETTERS,
  FAIL,
  type JobConfig,
  loadConfig,
  QUEUE,
  REPORT_TTL_S,
  reportKey,
  START,
  startsKey,
} from "./store.ts";

type Settings = Pick<
  JobConfig,
  "REDIS_URL" | "REPORT_ATTEMPTS" | "RETRY_BASE_MS" | "JOB_LEASE_MS"
>;

export function startWorker(config: Settings): Worker {
  const redis = new Redis(config.REDIS_URL);
  const attempts = config.REPORT_ATTEMPTS;

  async function buildReport(id: string): Promise<void> {
    const key = reportKey(id);
    const started = await redis.eval(
      START,
      3,
      key,
      startsKey(id),
      DEAD_LETTERS,
      attempts,
      id,
      Date.now(),
      REPORT_TTL_S,
    );
    const attempt = Number(started);
    if (attempt <= 0) return; // done, failed, or dead-lettered just now
    const report = await redis.hgetall(key);
    await sleep(Number(report.work_ms)); // the work itself
    if (attempt <= Number(report.fail_attempts)) {
      const error = `attempt ${attempt} failed`;
      const final = attempt >= attempts;
      await redis.eval(FAIL, 2, key, DEAD_LETTERS, error, final ? 1 : 0, id);
      // An UnrecoverableError ends the job; any other is retried.
      throw final ? new UnrecoverableError(error) : new Error(error);
    }
    await redis.eval(COMMIT, 1, key, `Report on ${report.title}`);
  }

  // Workers block on Redis: ioredis must not give up on a command.
  const connection = new Redis(config.REDIS_URL, {
    maxRetriesPerRequest: null,
  });
  const worker = new Worker(QUEUE, (job) => buildReport(String(job.id)), {
    connection,
    concurrency: 1,
    // A worker that stops renewing its lock (killed, or its event loop
    // blocked) loses the job after this; another worker takes it over.
    lockDuration: config.JOB_LEASE_MS,
    stalledInterval: config.JOB_LEASE_MS / 2,
    // Kills count as attempts in START, which dead-letters the report.
    maxStalledCount: attempts,
  });
  worker.on("closed", () => {
    // BullMQ leaves connections it was given open.
    redis.disconnect();
    connection.disconnect();
  });
  return worker;
}
// --8<-- [end:worker]

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
  const worker = startWorker(config);
  await worker.waitUntilReady();
  console.log('{"level":"info","event":"worker ready"}');
  process.once("SIGTERM", async () => {
    await worker.close(); // lets the running job finish
    process.exit(0);
  });
}
// --8<-- [end:main]
