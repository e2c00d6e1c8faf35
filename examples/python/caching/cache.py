"""Cache-aside for one user at a time in Redis, with redis.asyncio.

A read looks in Redis first and goes to the database only on a miss; a
write changes the database, then removes the cached copy. Concurrent misses
for one user make one database read: one load per process (single flight),
one for all processes (a Redis lock).
"""

# --8<-- [start:cache]
import asyncio
import json
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

log = structlog.get_logger()
LOCK_MS = 5_000  # longer than the slowest database read
POLL_SECONDS = 0.02
Row = dict[str, Any]
Loader = Callable[[int], Awaitable[Row | None]]

# Store the row only if no write has bumped the version since the read
# began: a slow reader cannot put back a row that a write replaced.
STORE_IF_UNCHANGED = """
if (redis.call('GET', KEYS[2]) or '0') == ARGV[2] then
  return redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
end
return false
"""
# Delete the lock only if it is still ours (it may have expired and moved).
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


@dataclass
class Stats:
    """Counted per process; GET /stats shows them."""

    db_reads: int = 0
    cache_hits: int = 0
    cache_misses: int = 0


class UserCache:
    def __init__(self, redis: Redis, ttl_ms: int, load: Loader) -> None:
        self.redis, self.ttl_ms, self.load = redis, ttl_ms, load
        self.stats = Stats()
        self.flights: dict[int, asyncio.Task[Row | None]] = {}
        self.store_if_unchanged = redis.register_script(STORE_IF_UNCHANGED)
        self.release = redis.register_script(RELEASE)

    async def get(self, user_id: int) -> Row | None:
        key = f"users:v1:{user_id}"
        try:
            if (cached := await self.redis.get(key)) is not None:
                self.stats.cache_hits += 1
                return json.loads(cached)  # type: ignore[no-any-return]
            self.stats.cache_misses += 1
            flight = self.flights.get(user_id)
            if flight is None:  # the first miss in this process loads
                flight = asyncio.create_task(self.fill(user_id, key))
                self.flights[user_id] = flight
                flight.add_done_callback(
                    lambda _: self.flights.pop(user_id, None)
                )
            # shield: a client that hangs up does not cancel the others' load.
            return await asyncio.shield(flight)
        except RedisError as error:
            # Fail open: without Redis every read goes to the database.
            await log.awarning("cache unavailable", error=str(error))
            return await self.read(user_id)

    async def fill(self, user_id: int, key: str) -> Row | None:
        version = await self.redis.get(f"{key}:ver") or "0"
        token = secrets.token_hex(16)
        lock = f"{key}:lock"
        if await self.redis.set(lock, token, nx=True, px=LOCK_MS):
            try:
                # Look again: another process may have filled it meanwhile.
                if (cached := await self.redis.get(key)) is not None:
                    return json.loads(cached)  # type: ignore[no-any-return]
                row = await self.read(user_id)
                if row is not None:
                    await self.store_if_unchanged(
                        keys=[key, f"{key}:ver"],
                        args=[json.dumps(row), version, self.ttl_ms],
                    )
                return row
            finally:
                await self.release(keys=[lock], args=[token])
        # Another process is loading it: wait for its copy, not the database.
        while True:
            await asyncio.sleep(POLL_SECONDS)
            held = await self.redis.exists(lock)  # before the GET, not after
            if (cached := await self.redis.get(key)) is not None:
                return json.loads(cached)  # type: ignore[no-any-return]
            if not held:  # it stored nothing: no such user, or a write came
                return await self.read(user_id)

    async def read(self, user_id: int) -> Row | None:
        self.stats.db_reads += 1
        return await self.load(user_id)

    async def invalidate(self, user_id: int) -> None:
        """After a write commits: bump the version, then drop the copy."""
        key = f"users:v1:{user_id}"
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.incr(f"{key}:ver")  # queued; sent by execute()
                pipe.delete(key)
                await pipe.execute()
        except RedisError as error:
            # The old copy lives until its TTL ends; say so.
            await log.aerror(
                "cache not invalidated", user=user_id, error=str(error)
            )


# --8<-- [end:cache]
