"""The worker: a Celery app whose one task builds a report.

Run it as its own process, `python examples/python/jobs/worker.py`; the API
(main.py) only sends the task's name and the report's id.
"""

# --8<-- [start:worker]
import os
import time
from typing import Any, cast

from celery import Celery, Task
from celery.signals import worker_ready
from redis import Redis

from examples.python.jobs.store import (
    COMMIT,
    DEAD_LETTERS,
    FAIL,
    REPORT_TTL_S,
    START,
    JobSettings,
    report_key,
    starts_key,
)

TASK = "reports.build"
QUEUE = "reports"


class ReportFailedError(Exception):
    """The simulated failure of one attempt."""


def create_celery(settings: JobSettings) -> Celery:
    app = Celery("reports", broker=settings.redis_url)
    lease_s = settings.job_lease_ms / 1000
    app.conf.update(
        # Acknowledge after the task, not before: a worker that dies
        # mid-job leaves the message to be delivered again.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=QUEUE,
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            # An unacknowledged message goes back to the queue after this.
            "visibility_timeout": lease_s,
            # Look for such messages every second, not every 100 s.
            "unacked_restore_interval": 1,
            "unacked_restore_throttle": 1,
        },
    )
    redis = Redis.from_url(settings.redis_url, decode_responses=True)
    start, commit, fail = (
        redis.register_script(script) for script in (START, COMMIT, FAIL)
    )

    @app.task(name=TASK, bind=True, max_retries=None, shared=False)
    def build_report(task: Task[Any, Any], report_id: str) -> None:
        key = report_key(report_id)
        now_ms = int(time.time() * 1000)
        attempt = start(
            keys=[key, starts_key(report_id), DEAD_LETTERS],
            args=[settings.report_attempts, report_id, now_ms, REPORT_TTL_S],
        )
        if attempt <= 0:
            return  # done, failed, or dead-lettered just now
        report = cast(dict[str, str], redis.hgetall(key))
        try:
            time.sleep(int(report["work_ms"]) / 1000)  # the work itself
            if attempt <= int(report["fail_attempts"]):
                raise ReportFailedError(f"attempt {attempt} failed")
        except ReportFailedError as error:
            final = attempt >= settings.report_attempts
            fail(
                keys=[key, DEAD_LETTERS],
                args=[str(error), int(final), report_id],
            )
            if not final:
                wait_ms = settings.retry_base_ms * 2 ** (attempt - 1)
                raise task.retry(countdown=wait_ms / 1000) from error
            return
        commit(keys=[key], args=[f"Report on {report['title']}"])

    return app


@worker_ready.connect
def say_ready(**_: object) -> None:
    print('{"level":"info","event":"worker ready"}', flush=True)


# --8<-- [end:worker]
# --8<-- [start:main]
if __name__ == "__main__":
    settings = JobSettings()
    create_celery(settings).worker_main(
        [
            "worker",
            "--pool=solo",  # one job at a time in this process
            f"--loglevel={settings.log_level.upper()}",
            f"--hostname=reports-{os.getpid()}@%h",
            "--without-gossip",
            "--without-mingle",
        ]
    )
# --8<-- [end:main]
