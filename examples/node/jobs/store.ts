// What the API and the worker share: settings, Redis keys and Lua scripts.
//
// A report's state lives in one Redis hash, `report:{id}`, which every step
// changes with one atomic script. The queue (BullMQ) only carries the id; so
// a job run twice cannot do the work's effect twice.

// --8<-- [start:settings]
import { z } from "zod";
import { parseConfig, Config as UsersConfig } from "../users/config.ts";

const JobConfig = UsersConfig.pick({
  HOST: true,
  PORT: true,
  LOG_LEVEL: true,
}).extend({
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//)
    .default("redis://127.0.0.1:6379/0"),
  // Starts per report, failed or killed, before it is dead-lettered.
  REPORT_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
  // Retry n waits RETRY_BASE_MS * 2^(n-1).
  RETRY_BASE_MS: z.coerce.number().int().min(1).max(60_000).default(1_000),
  // How long a silent worker keeps a job before another takes it over.
  JOB_LEASE_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .max(3_600_000)
    .default(30_000),
});
export type JobConfig = z.infer<typeof JobConfig>;

export function loadConfig(env: NodeJS.ProcessEnv): JobConfig {
  return parseConfig(JobConfig, env);
}
// --8<-- [end:settings]

// --8<-- [start:scripts]
export const REPORT_TTL_S = 86_400; // a report, and its key, live a day
export const DEAD_LETTERS = "reports:dead";
export const QUEUE = "reports";
export const reportKey = (id: string) => `report:${id}`;
export const startsKey = (id: string) => `report:${id}:starts`;
export const acceptingKey = (id: string) => `report:${id}:accepting`;

// Create the report unless its id exists; then return the existing body's
// fingerprint, so a repeated Idempotency-Key can be checked. KEYS[2] marks
// the creating request as in progress until it has queued the job.
export const CREATE = `
local existing = redis.call('HGET', KEYS[1], 'fingerprint')
if existing then return existing end
redis.call('HSET', KEYS[1], 'status', 'queued', 'attempts', 0,
  'effects', 0, 'fingerprint', ARGV[1], 'title', ARGV[2],
  'work_ms', ARGV[3], 'fail_attempts', ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('SET', KEYS[2], '1', 'PX', 10000)
return false
`;
// Begin an attempt. 0: nothing to do (a duplicate delivery of a finished
// report); -1: started too often (failed or killed) and now dead-lettered.
export const START = `
local status = redis.call('HGET', KEYS[1], 'status')
if not status or status == 'done' or status == 'failed' then return 0 end
local attempts = tonumber(redis.call('HGET', KEYS[1], 'attempts'))
if attempts >= tonumber(ARGV[1]) then
  redis.call('HSET', KEYS[1], 'status', 'failed',
    'error', 'gave up after ' .. attempts .. ' attempts')
  redis.call('LPUSH', KEYS[3], ARGV[2])
  return -1
end
redis.call('HSET', KEYS[1], 'status', 'running')
redis.call('RPUSH', KEYS[2], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[4])
return redis.call('HINCRBY', KEYS[1], 'attempts', 1)
`;
// The work's one effect, done once however often the job runs.
export const COMMIT = `
if redis.call('HGET', KEYS[1], 'status') == 'done' then return 0 end
redis.call('HSET', KEYS[1], 'status', 'done', 'result', ARGV[1])
redis.call('HDEL', KEYS[1], 'error')
return redis.call('HINCRBY', KEYS[1], 'effects', 1)
`;
// A failed attempt: retry later, or (the last one) dead-letter it.
export const FAIL = `
if redis.call('HGET', KEYS[1], 'status') == 'done' then return 0 end
if ARGV[2] == '1' then
  redis.call('HSET', KEYS[1], 'status', 'failed', 'error', ARGV[1])
  redis.call('LPUSH', KEYS[2], ARGV[3])
else
  redis.call('HSET', KEYS[1], 'status', 'retrying', 'error', ARGV[1])
end
return 1
`;
// --8<-- [end:scripts]
