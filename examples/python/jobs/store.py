"""What the API and the worker share: settings, Redis keys and Lua scripts.

A report's state lives in one Redis hash, `report:{id}`, which every step
changes with one atomic script. The queue (Celery) only carries the id; so a
message delivered twice cannot do the work's effect twice.
"""

# --8<-- [start:settings]
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class JobSettings(BaseSettings):
    """REDIS_URL, REPORT_ATTEMPTS, RETRY_BASE_MS, JOB_LEASE_MS and the rest."""

    model_config = SettingsConfigDict(frozen=True)

    redis_url: str = Field("redis://127.0.0.1:6379/0", pattern=r"^rediss?://")
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    log_level: str = Field("info", pattern="^(debug|info|warning|error)$")
    # Starts per report, failed or killed, before it is dead-lettered.
    report_attempts: int = Field(3, ge=1, le=10)
    # Retry n waits RETRY_BASE_MS * 2^(n-1).
    retry_base_ms: int = Field(1_000, ge=1, le=60_000)
    # How long a silent worker keeps a job before the broker hands it on:
    # longer than the longest job and the longest retry wait.
    job_lease_ms: int = Field(30_000, ge=1_000, le=3_600_000)


# --8<-- [end:settings]
# --8<-- [start:scripts]
REPORT_TTL_S = 86_400  # a report, and its idempotency key, live a day
DEAD_LETTERS = "reports:dead"


def report_key(report_id: str) -> str:
    return f"report:{report_id}"


def starts_key(report_id: str) -> str:
    return f"report:{report_id}:starts"


def accepting_key(report_id: str) -> str:
    return f"report:{report_id}:accepting"


# Create the report unless its id exists; then return the existing body's
# fingerprint, so a repeated Idempotency-Key can be checked. KEYS[2] marks
# the creating request as in progress until it has queued the job.
CREATE = """
local existing = redis.call('HGET', KEYS[1], 'fingerprint')
if existing then return existing end
redis.call('HSET', KEYS[1], 'status', 'queued', 'attempts', 0,
  'effects', 0, 'fingerprint', ARGV[1], 'title', ARGV[2],
  'work_ms', ARGV[3], 'fail_attempts', ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('SET', KEYS[2], '1', 'PX', 10000)
return false
"""
# Begin an attempt. 0: nothing to do (a duplicate delivery of a finished
# report); -1: started too often (failed or killed) and now dead-lettered.
START = """
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
"""
# The work's one effect, done once however often the job runs.
COMMIT = """
if redis.call('HGET', KEYS[1], 'status') == 'done' then return 0 end
redis.call('HSET', KEYS[1], 'status', 'done', 'result', ARGV[1])
redis.call('HDEL', KEYS[1], 'error')
return redis.call('HINCRBY', KEYS[1], 'effects', 1)
"""
# A failed attempt: retry later, or (the last one) dead-letter it.
FAIL = """
if redis.call('HGET', KEYS[1], 'status') == 'done' then return 0 end
if ARGV[2] == '1' then
  redis.call('HSET', KEYS[1], 'status', 'failed', 'error', ARGV[1])
  redis.call('LPUSH', KEYS[2], ARGV[3])
else
  redis.call('HSET', KEYS[1], 'status', 'retrying', 'error', ARGV[1])
end
return 1
"""
# --8<-- [end:scripts]
